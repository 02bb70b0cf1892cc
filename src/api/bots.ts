import { eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { registerBot } from '../bots/registry';
import { newWebhookSecret } from '../bots/webhook-secret';
import type { TokenCipher } from '../bots/token-cipher';
import type { Database } from '../db/client';
import { botSimulator, bots, telegramMode } from '../db/schema';
import type { Ingress } from '../ingress/ingress';
import type { WebhookBotCache } from '../ingress/bot-cache';
import { webhookPath } from '../ingress/webhook';
import { ApiError } from '../http/errors';
import { routeTo } from '../http/route';
import { audit } from './audit';
import { botIdSchema } from './bot-lookup';

export const botParams = z.object({ botId: botIdSchema });
export const registerBotBody = z.object({
  token: z.string().regex(/^\d+:[\w-]{20,}$/, 'must look like <bot id>:<secret>'),
  mode: z.enum(['polling', 'webhook']).default('polling'),
});
export const updateBotBody = z
  .object({
    mode: z.enum(['polling', 'webhook']).optional(),
    mainFlowId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -')
      .optional(),
    simulator: z.boolean().optional().describe('also serve the bot in the chat simulator (its real chats are untouched)'),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

type Bot = typeof bots.$inferSelect;

export interface BotsDeps {
  db: Database;
  cipher: TokenCipher;
  apiRoot: string;
  publicUrl?: string;
  /**
   * The ingress of this process, told when a bot is added, switched or disabled (it sets or
   * removes the webhook; other replicas hear of the change from PostgreSQL, see BotChanges).
   */
  ingress?: Ingress;
  /** Whether this process runs the chat simulator, so that bots can be switched to it. */
  simulatorRunning?: boolean;
  /** The webhook route's cache, told when a bot changes. */
  webhookBots?: WebhookBotCache;
}

const botSchema = z.object({
  id: z.string(),
  username: z.string().nullable(),
  mode: z.enum(telegramMode.enumValues),
  mainFlowId: z.string(),
  simulator: z.enum(botSimulator.enumValues),
  webhookUrl: z.url().nullable(),
  disabled: z.boolean(),
  createdAt: z.iso.datetime(),
});

/** What the API shows of a bot: never its token, nor its webhook secret. */
function botView(bot: Bot, publicUrl?: string): z.infer<typeof botSchema> {
  return {
    id: bot.id,
    username: bot.username,
    mode: bot.mode,
    mainFlowId: bot.mainFlowId,
    simulator: bot.simulator,
    webhookUrl: bot.mode === 'webhook' && publicUrl ? new URL(webhookPath(bot.id), publicUrl).toString() : null,
    disabled: bot.disabledAt !== null,
    createdAt: bot.createdAt.toISOString(),
  };
}

/** Bots: register by token (checked with getMe), list, change mode or main flow, disable. */
export function botsRouter(deps: BotsDeps): Router {
  const { db } = deps;
  const router = Router();
  const route = routeTo(router, '/api');

  async function findBot(botId: string): Promise<Bot> {
    const [bot] = await db.select().from(bots).where(eq(bots.id, botId));
    if (!bot) throw ApiError.notFound(`bot ${botId}`);
    return bot;
  }

  route(
    {
      method: 'post',
      path: '/bots',
      summary: 'Register a bot by its token (checked with getMe)',
      tag: 'bots',
      auth: 'bearer',
      body: registerBotBody,
      responses: {
        201: { description: 'the bot (never its token)', schema: botSchema },
        422: { description: 'Telegram refused the token' },
      },
    },
    async ({ body }, req, res) => {
      let registered: { id: string };
      try {
        registered = await registerBot(db, deps.cipher, deps.apiRoot, body.token, {
          mode: body.mode,
          webhookSecret: newWebhookSecret(),
        });
      } catch (err) {
        // Telegram refused the token (401) or could not be asked: nothing was stored.
        const message = err instanceof Error ? err.message.replace(/\d+:[\w-]{20,}/g, '[token]') : 'getMe failed';
        throw new ApiError(422, 'invalid_token', `Telegram did not accept the token: ${message}`, [{ field: 'body.token', message }]);
      }
      deps.webhookBots?.forget(registered.id);
      await deps.ingress?.refresh(registered.id);
      await audit(db, req, 'bot.register', `bot:${registered.id}`, { mode: body.mode });
      res.status(201).json(botView(await findBot(registered.id), deps.publicUrl));
    },
  );

  route(
    {
      method: 'get',
      path: '/bots',
      summary: 'All bots',
      tag: 'bots',
      auth: 'bearer',
      responses: { 200: { description: 'the bots', schema: z.object({ items: z.array(botSchema) }) } },
    },
    async (_input, _req, res) => {
      const rows = await db.select().from(bots).orderBy(bots.createdAt);
      res.json({ items: rows.map((bot) => botView(bot, deps.publicUrl)) });
    },
  );

  route(
    {
      method: 'get',
      path: '/bots/:botId',
      summary: 'One bot',
      tag: 'bots',
      auth: 'bearer',
      params: botParams,
      responses: { 200: { description: 'the bot', schema: botSchema }, 404: { description: 'no such bot' } },
    },
    async ({ params: { botId } }, _req, res) => {
      res.json(botView(await findBot(botId), deps.publicUrl));
    },
  );

  route(
    {
      method: 'patch',
      path: '/bots/:botId',
      summary: 'Switch polling/webhook, the main flow, or the chat simulator',
      tag: 'bots',
      auth: 'bearer',
      params: botParams,
      body: updateBotBody,
      responses: {
        200: { description: 'the bot', schema: botSchema },
        404: { description: 'no such bot' },
        409: { description: 'no simulator here, or a simulator-only bot' },
      },
    },
    async ({ params: { botId }, body: { simulator, ...body } }, req, res) => {
      const bot = await findBot(botId);
      if (simulator !== undefined && bot.simulator === 'only') {
        throw new ApiError(409, 'simulator_only', `bot ${botId} exists only in the chat simulator`, [
          { field: 'body.simulator', message: 'cannot be changed for a simulator-only bot' },
        ]);
      }
      if (simulator && !deps.simulatorRunning) {
        throw new ApiError(
          409,
          'simulator_unavailable',
          'the chat simulator is not running in this process (it runs with `npm start` in local development, or with SIMULATOR=on)',
          [{ field: 'body.simulator', message: 'no simulator' }],
        );
      }
      await db
        .update(bots)
        .set({ ...body, ...(simulator === undefined ? {} : { simulator: simulator ? 'on' : 'off' }), updatedAt: sql`now()` })
        .where(eq(bots.id, botId));
      deps.webhookBots?.forget(botId);
      await deps.ingress?.refresh(botId);
      await audit(db, req, 'bot.update', `bot:${botId}`, simulator === undefined ? body : { ...body, simulator });
      res.json(botView(await findBot(botId), deps.publicUrl));
    },
  );

  route(
    {
      method: 'post',
      path: '/bots/:botId/disable',
      summary: 'Disable a bot',
      tag: 'bots',
      auth: 'bearer',
      params: botParams,
      responses: { 200: { description: 'the bot', schema: botSchema }, 404: { description: 'no such bot' } },
    },
    async ({ params: { botId } }, req, res) => {
      await findBot(botId);
      await db
        .update(bots)
        .set({ disabledAt: sql`coalesce(${bots.disabledAt}, now())`, updatedAt: sql`now()` })
        .where(eq(bots.id, botId));
      deps.webhookBots?.forget(botId);
      await deps.ingress?.refresh(botId);
      await audit(db, req, 'bot.disable', `bot:${botId}`);
      res.json(botView(await findBot(botId), deps.publicUrl));
    },
  );

  return router;
}
