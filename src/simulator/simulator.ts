import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { ensureChatUser } from '../bots/chat-users';
import { topUp } from '../credits/ledger';
import type { Database } from '../db/client';
import { routeTo } from '../api/route';
import { ApiError } from '../api/errors';
import { createEmulatorApp, TelegramEmulator } from '../telegram-emulator';

/**
 * The demo bot's token. Fixed, so that its bot id (and its chats) stay the same across restarts;
 * it only ever exists inside this process's emulator.
 */
export const DEMO_BOT_TOKEN = '1000000001:DEMO-simulator-bot-token-000000000';
/** The simulated Telegram user the page starts with; it gets credits to try paid generations. */
export const DEMO_USER_ID = 100;
const DEMO_CREDITS = 500;

export interface Simulator {
  emulator: TelegramEmulator;
  /** Bot API root for telegraf (the emulator on its own loopback port). */
  apiRoot: string;
  botToken: string;
  stop(): Promise<void>;
}

/**
 * Telegram for a newcomer without a bot token: the Bot API emulator plays Telegram for a demo
 * bot, and the page at /simulator plays the user. The very same flows, workflows and ledger run.
 */
export async function startSimulator(): Promise<Simulator> {
  const emulator = new TelegramEmulator();
  const running = await emulator.start({ port: 0 });
  emulator.createBot({ token: DEMO_BOT_TOKEN, username: 'demo_loyalty_bot', firstName: 'Demo Bot' });
  return { emulator, apiRoot: running.apiRoot, botToken: DEMO_BOT_TOKEN, stop: running.close };
}

/** Gives the demo user some credits, once (the top-up is idempotent). */
export async function seedDemoUser(db: Database, botId: string): Promise<void> {
  const userId = await ensureChatUser(db, botId, { id: DEMO_USER_ID, firstName: 'Demo', username: null });
  await topUp(db, userId, DEMO_CREDITS, 'simulator-demo-credits');
}

/** Same token as the API; the page passes it in the URL, since EventSource cannot send headers. */
function requireToken(token: string): RequestHandler {
  const expected = crypto.createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const given = String(req.query.token ?? /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
    if (!crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), expected)) {
      next(new ApiError(401, 'unauthorized', 'open the simulator with the link `npm start` printed (it carries the API token)'));
      return;
    }
    next();
  };
}

// Resolved from the project root, so that compiled code (dist/) serves the same page as src/.
const pagePath = path.resolve(__dirname, '..', '..', 'src', 'simulator', 'simulator.html');

/**
 * `/simulator`: the chat page, its settings, and the emulator's control API under
 * `/simulator/telegram` (same origin for the page), all behind the API token.
 */
export function simulatorRouter(deps: { emulator: TelegramEmulator; apiToken: string; temporalUiUrl?: string; namespace: string }): Router {
  const router = Router();
  const route = routeTo(router, '');
  const auth = requireToken(deps.apiToken);
  route(
    { method: 'get', path: '/simulator', summary: 'Chat simulator page (try a bot without Telegram)', tag: 'simulator', auth: 'none', responses: { 200: 'HTML page', 401: 'no or wrong token' } },
    auth,
    (_req, res) => {
      res.type('html').send(fs.readFileSync(pagePath, 'utf8'));
    },
  );
  route(
    { method: 'get', path: '/simulator/config', summary: 'Bots and links the simulator page needs', tag: 'simulator', auth: 'none', responses: { 200: 'settings', 401: 'no or wrong token' } },
    auth,
    (_req, res) => {
      res.json({ bots: deps.emulator.bots().map((b) => ({ id: b.id, username: b.username })), demoUserId: DEMO_USER_ID, temporalUiUrl: deps.temporalUiUrl ?? null, namespace: deps.namespace });
    },
  );
  router.use('/simulator/telegram', auth, express.Router().use(createEmulatorApp(deps.emulator)));
  return router;
}
