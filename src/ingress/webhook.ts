import crypto from 'node:crypto';
import express, { Router } from 'express';
import { eq } from 'drizzle-orm';
import { ApiError } from '../api/errors';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import { z } from 'zod';
import { MalformedUpdateError, normaliseUpdate, telegramUpdateSchema } from '../telegram/inbound';
import { deliverUpdate, type DeliveryTarget } from './deliver';
import { routeTo } from '../api/route';

export const webhookPath = (botId: string) => `/telegram/${botId}/webhook`;

export const webhookParams = z.object({ botId: z.string() });

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * `POST /telegram/:botId/webhook`. Telegram proves itself with the secret token it was given at
 * setWebhook; anything else is refused before it can start a workflow. The 200 is sent only once
 * the update is durable in Temporal: on any error Telegram retries, and repeats are dropped by
 * update_id in the chat workflow.
 */
export function webhookRouter(deps: { db: Database; target: DeliveryTarget }): Router {
  const router = Router();
  const route = routeTo(router, '');
  route(
    { method: 'post', path: '/telegram/:botId/webhook', summary: 'Telegram webhook: delivers the update to its chat workflow', tag: 'telegram', auth: 'telegram-secret', params: webhookParams, body: telegramUpdateSchema, responses: { 200: 'durable in Temporal', 400: 'malformed update', 401: 'no secret token', 403: 'wrong secret token', 404: 'no webhook for this bot' } },
    express.json({ limit: '1mb' }), async (req, res) => {
    const botId = String(req.params.botId);
    const [bot] = /^\d{1,20}$/.test(botId)
      ? await deps.db.select({ secret: bots.webhookSecret, disabledAt: bots.disabledAt }).from(bots).where(eq(bots.id, botId))
      : [];
    const given = req.get('x-telegram-bot-api-secret-token');
    if (!bot || bot.disabledAt || !bot.secret) throw new ApiError(404, 'not_found', 'no webhook for this bot');
    if (!given) throw new ApiError(401, 'unauthorized', 'missing X-Telegram-Bot-Api-Secret-Token');
    if (!sameSecret(given, bot.secret)) throw new ApiError(403, 'forbidden', 'wrong X-Telegram-Bot-Api-Secret-Token');
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
  });
  return router;
}
