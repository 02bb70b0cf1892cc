import fs from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, inArray, isNull } from 'drizzle-orm';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { ensureChatUser } from '../bots/chat-users';
import { exampleFlowFile, publishFlow, registerBot } from '../bots/registry';
import type { TokenCipher } from '../bots/token-cipher';
import { topUp } from '../credits/ledger';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import type { Logger } from '../logger';
import { SIMULATED_ID_BASE, simulatedUserId } from '../telegram/simulated-ids';
import { asChatSnapshot, chatSnapshotSchema } from '../executions/schemas';
import { bearerMatcher, type FailedAuthLimiter } from '../http/auth';
import { ApiError } from '../http/errors';
import { sendHtmlPage } from '../http/html-page';
import { routeTo } from '../http/route';
import { TelegramEmulator } from '../telegram-emulator';
import { controlApiRouter } from '../telegram-emulator/control-api';
import { chatState } from '../temporal/chat-messages';
import { SimulatorSessions } from './session';

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

// Next to this module: `npm run build` copies the page to dist/simulator/ (scripts/build.mjs).
const pagePath = path.join(__dirname, 'simulator.html');

export interface SimulatorRouterDeps {
  db: Database;
  temporal: Client;
  emulator: TelegramEmulator;
  apiToken: string;
  /** Wrong tokens are charged to the client here as on /api. */
  failures: FailedAuthLimiter;
  sessions: SimulatorSessions;
  temporalUiUrl?: string;
  namespace: string;
}

const sessionBody = z.object({ token: z.string().min(1).max(4_096) });
const simulatedChatParams = z.object({
  workflowId: z
    .string()
    .regex(/^chat:\d+:\d+$/, 'a chat workflow id')
    .refine((id) => Number(id.split(':')[2]) >= SIMULATED_ID_BASE, 'a simulated chat'),
});

/**
 * `/simulator`: the chat page, its settings, a simulated chat's state for the side panel, and the
 * emulator's control API (page scope) under `/simulator/telegram/emulator`. The page itself is
 * public (it holds nothing); everything else needs a session, which the page gets by trading the
 * operator's API token once (POST /simulator/session) – or the operator token as a bearer header,
 * for scripts. The token is never accepted from a URL.
 */
export function simulatorRouter(deps: SimulatorRouterDeps): Router {
  const router = Router();
  const route = routeTo(router, '');
  const operatorToken = bearerMatcher({ operator: deps.apiToken });
  const notRefused: RequestHandler = (req, res, next) => {
    if (!deps.failures.refused(req, res, next)) next();
  };
  const access: RequestHandler = (req, res, next) => {
    if (deps.sessions.valid(SimulatorSessions.fromCookieHeader(req.get('cookie')))) {
      next();
      return;
    }
    if (deps.failures.refused(req, res, next)) return;
    if (operatorToken(req.get('authorization'))) {
      next();
      return;
    }
    deps.failures.failed(req);
    next(new ApiError(401, 'unauthorized', 'sign in on the simulator page with the API token'));
  };

  route(
    {
      method: 'get',
      path: '/simulator',
      summary: 'Chat simulator page (try a bot without Telegram)',
      tag: 'simulator',
      auth: 'none',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    },
    (_input, _req, res) => {
      sendHtmlPage(res, fs.readFileSync(pagePath, 'utf8'));
    },
  );
  route(
    {
      method: 'post',
      path: '/simulator/session',
      summary: 'Trade the operator API token for a short-lived simulator session cookie',
      tag: 'simulator',
      auth: 'none',
      body: sessionBody,
      // A client refused for its wrong guesses is refused before its body is even read.
      before: [notRefused, express.json({ limit: '8kb' })],
      responses: {
        204: { description: 'session cookie set' },
        401: { description: 'wrong token' },
        429: { description: 'too many wrong tokens from this client' },
      },
    },
    ({ body: { token } }, req, res) => {
      if (!operatorToken(`Bearer ${token}`)) {
        deps.failures.charge(req);
        throw new ApiError(401, 'unauthorized', 'that is not the API token');
      }
      res.setHeader('set-cookie', deps.sessions.cookie(req.secure));
      res.setHeader('cache-control', 'no-store');
      res.status(204).end();
    },
  );
  route(
    {
      method: 'get',
      path: '/simulator/config',
      summary: 'Bots and links the simulator page needs',
      tag: 'simulator',
      auth: 'simulator-session',
      before: [access],
      responses: {
        200: {
          description: 'settings',
          schema: z.object({
            bots: z.array(z.object({ id: z.string(), username: z.string().nullable() })),
            demoUserId: z.number().int(),
            simulatedIdBase: z.number().int(),
            temporalUiUrl: z.string().nullable(),
            namespace: z.string(),
          }),
        },
      },
    },
    async (_input, _req, res) => {
      const served = await deps.db
        .select({ id: bots.id, username: bots.username })
        .from(bots)
        .where(and(inArray(bots.simulator, ['on', 'only']), isNull(bots.disabledAt)))
        .orderBy(bots.createdAt);
      res.json({
        bots: served,
        demoUserId: DEMO_USER_ID,
        simulatedIdBase: SIMULATED_ID_BASE,
        temporalUiUrl: deps.temporalUiUrl ?? null,
        namespace: deps.namespace,
      });
    },
  );
  route(
    {
      method: 'get',
      path: '/simulator/executions/:workflowId',
      summary: 'A simulated chat: status, current node, variables (the side panel)',
      tag: 'simulator',
      auth: 'simulator-session',
      params: simulatedChatParams,
      before: [access],
      responses: {
        200: {
          description: 'the chat',
          schema: z.object({ workflowId: z.string(), status: z.string(), chat: chatSnapshotSchema.nullable().describe('while it runs') }),
        },
        404: { description: 'not started yet' },
      },
    },
    async ({ params: { workflowId } }, _req, res) => {
      const handle = deps.temporal.workflow.getHandle(workflowId);
      const description = await handle.describe().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) throw ApiError.notFound(`chat ${workflowId}`);
        throw err;
      });
      const running = description.status.name === 'RUNNING';
      res.json({
        workflowId,
        status: description.status.name.toLowerCase(),
        chat: running ? asChatSnapshot(await handle.query(chatState)) : null,
      });
    },
  );
  router.use('/simulator/telegram/emulator', access, controlApiRouter(deps.emulator, 'simulator'));
  return router;
}
