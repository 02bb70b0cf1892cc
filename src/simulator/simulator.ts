import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, inArray, isNull } from 'drizzle-orm';
import express, { Router, type RequestHandler } from 'express';
import { ensureChatUser } from '../bots/chat-users';
import { exampleFlowFile, publishFlow, registerBot } from '../bots/registry';
import type { TokenCipher } from '../bots/token-cipher';
import { topUp } from '../credits/ledger';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import type { Logger } from '../logger';
import { SIMULATED_ID_BASE, simulatedUserId } from './simulated-ids';
import { routeTo } from '../api/route';
import { ApiError } from '../api/errors';
import { createEmulatorApp, TelegramEmulator } from '../telegram-emulator';

/**
 * The demo bot's token. Fixed, so that its bot id (and its chats) stay the same across restarts;
 * it only ever exists inside this process's emulator.
 */
export const DEMO_BOT_TOKEN = '1000000001:DEMO-simulator-bot-token-000000000';
/** The simulated Telegram user the page starts with; it gets credits to try paid generations. */
export const DEMO_USER_ID = simulatedUserId(1);
const DEMO_CREDITS = 500;

export interface Simulator {
  emulator: TelegramEmulator;
  /** Bot API root for telegraf (the emulator on its own loopback port). */
  apiRoot: string;
  /** Makes a registered bot reachable in the simulator: the emulator plays Telegram for it too. */
  admit(token: string, username: string | null): void;
  stop(): Promise<void>;
}

/**
 * Telegram without Telegram: the Bot API emulator plays Telegram for the demo bot and for any
 * registered bot switched to the simulator, and the page at /simulator plays the user. The very
 * same flows, workflows and ledger run.
 */
export async function startSimulator(): Promise<Simulator> {
  const emulator = new TelegramEmulator();
  const running = await emulator.start({ port: 0 });
  return {
    emulator,
    apiRoot: running.apiRoot,
    admit(token, username) {
      emulator.createBot({ token, ...(username ? { username } : {}), firstName: username ?? 'Bot' });
    },
    stop: running.close,
  };
}

/**
 * The demo bot of a start without TELEGRAM_BOT_TOKEN: it exists only in the simulator, runs the
 * example loyalty flow, and its first simulated user has some credits to try paid generations.
 */
export async function registerDemoBot(db: Database, cipher: TokenCipher, simulator: Simulator, logger: Logger): Promise<void> {
  simulator.emulator.createBot({ token: DEMO_BOT_TOKEN, username: 'demo_loyalty_bot', firstName: 'Demo Bot' });
  const bot = await registerBot(db, cipher, simulator.apiRoot, DEMO_BOT_TOKEN, { mode: 'polling', simulator: 'only' });
  const published = await publishFlow(db, bot.id, 'main', JSON.parse(fs.readFileSync(exampleFlowFile, 'utf8')));
  const userId = await ensureChatUser(db, bot.id, { id: DEMO_USER_ID, firstName: 'Demo', username: null });
  // Idempotent: the demo user is credited once, however often the system starts.
  await topUp(db, userId, DEMO_CREDITS, 'simulator-demo-credits');
  logger.info({ botId: bot.id, username: bot.username, version: published.version }, 'demo bot ready in the simulator');
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
export function simulatorRouter(deps: { db: Database; emulator: TelegramEmulator; apiToken: string; temporalUiUrl?: string; namespace: string }): Router {
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
    async (_req, res) => {
      const served = await deps.db
        .select({ id: bots.id, username: bots.username })
        .from(bots)
        .where(and(inArray(bots.simulator, ['on', 'only']), isNull(bots.disabledAt)))
        .orderBy(bots.createdAt);
      res.json({ bots: served, demoUserId: DEMO_USER_ID, simulatedIdBase: SIMULATED_ID_BASE, temporalUiUrl: deps.temporalUiUrl ?? null, namespace: deps.namespace });
    },
  );
  router.use('/simulator/telegram', auth, express.Router().use(createEmulatorApp(deps.emulator)));
  return router;
}
