import express, { Router, type RequestHandler } from 'express';
import { and, eq, isNull } from 'drizzle-orm';
import { matchesWebhookSecret } from '../bots/webhook-secret';
import { ApiError } from '../api/errors';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import { z } from 'zod';
import { MalformedUpdateError, normaliseUpdate, telegramUpdateSchema } from '../telegram/inbound';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { deliverUpdate } from './deliver';
import { routeTo } from '../api/route';

export const webhookPath = (botId: string) => `/telegram/${botId}/webhook`;

export const webhookParams = z.object({ botId: z.string() });

/** Bots whose secret hash was looked up lately: at most this many, each for this long. */
const CACHE_ENTRIES = 1_000;
const CACHE_MS = 5_000;

/**
 * The stored secret hash of an enabled bot (null: no such bot, disabled, or no webhook secret),
 * cached briefly so that a burst of updates costs one query. This process forgets a bot as soon
 * as the API changes it; other API replicas see a change within CACHE_MS (Telegram retries what
 * was refused meanwhile).
 */
export class WebhookSecretCache {
  private readonly cache = new Map<string, { hash: string | null; at: number }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async hashOf(botId: string): Promise<string | null> {
    const hit = this.cache.get(botId);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.hash;
    const [bot] = await this.db
      .select({ hash: bots.webhookSecretHash })
      .from(bots)
      .where(and(eq(bots.id, botId), isNull(bots.disabledAt)));
    this.cache.delete(botId);
    this.cache.set(botId, { hash: bot?.hash ?? null, at: this.now() });
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return bot?.hash ?? null;
  }

  forget(botId: string): void {
    this.cache.delete(botId);
  }
}

// One answer for a missing header, a wrong secret, an unknown or disabled bot: none tells which bots exist.
const refused = () => new ApiError(401, 'unauthorized', 'missing or wrong X-Telegram-Bot-Api-Secret-Token');

/**
 * `POST /telegram/:botId/webhook`. Telegram proves itself with the secret token it was given at
 * setWebhook; anything else is refused before it can start a workflow – and before the body is
 * read or the database asked, when the header is missing. The 200 is sent only once the update
 * is durable in Temporal: on any error Telegram retries, and repeats are dropped by update_id in
 * the chat workflow.
 */
export function webhookRouter(deps: { db: Database; target: DeliveryTarget; secrets?: WebhookSecretCache }): Router {
  const router = Router();
  const route = routeTo(router, '');
  const secrets = deps.secrets ?? new WebhookSecretCache(deps.db);
  const checkSecret: RequestHandler = async (req, _res, next) => {
    const given = req.get('x-telegram-bot-api-secret-token');
    if (!given) throw refused();
    const botId = String(req.params.botId);
    const hash = /^\d{1,20}$/.test(botId) ? await secrets.hashOf(botId) : null;
    if (!matchesWebhookSecret(given, hash)) throw refused();
    next();
  };
  route(
    {
      method: 'post',
      path: '/telegram/:botId/webhook',
      summary: 'Telegram webhook: delivers the update to its chat workflow',
      tag: 'telegram',
      auth: 'telegram-secret',
      params: webhookParams,
      body: telegramUpdateSchema,
      responses: {
        200: 'durable in Temporal',
        400: 'malformed update',
        401: 'no secret token, a wrong one, or no webhook for this bot (one answer for all)',
      },
    },
    checkSecret,
    express.json({ limit: '1mb' }),
    async (req, res) => {
      const botId = String(req.params.botId);
      let update;
      try {
        update = normaliseUpdate(req.body, Date.now());
      } catch (err) {
        if (!(err instanceof MalformedUpdateError)) throw err;
        req.log.warn({ botId, error: err.message }, 'malformed update');
        throw new ApiError(400, 'malformed_update', err.message);
      }
      if (update) await deliverUpdate(deps.target, botId, update, 'webhook');
      res.json({ ok: true });
    },
  );
  return router;
}
