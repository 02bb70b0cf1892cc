import express, { Router, type RequestHandler } from 'express';
import { matchesWebhookSecret } from '../bots/webhook-secret';
import type { Database } from '../db/client';
import { z } from 'zod';
import { ApiError } from '../http/errors';
import { routeTo } from '../http/route';
import { createLogger, type Logger } from '../logger';
import { readUpdate, telegramUpdateSchema } from '../telegram/inbound';
import { decidePreCheckout, observePreCheckout } from './pre-checkout';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { WebhookBotCache, type WebhookBot } from './bot-cache';
import { deliverUpdate } from './deliver';

/** For routers made without a logger (tests). */
const silent = createLogger('silent');

export const webhookPath = (botId: string) => `/telegram/${botId}/webhook`;

export const webhookParams = z.object({ botId: z.string() });

// One answer for a missing header, a wrong secret, an unknown or disabled bot: none tells which bots exist.
const refused = () => new ApiError(401, 'unauthorized', 'missing or wrong X-Telegram-Bot-Api-Secret-Token');

/**
 * `POST /telegram/:botId/webhook`. Telegram proves itself with the secret token it was given at
 * setWebhook; anything else is refused before it can start a workflow – and before the body is
 * read or the database asked, when the header is missing. The 200 is sent only once the update
 * is durable in Temporal: on any error Telegram retries, and repeats are dropped by update_id in
 * the chat workflow. A pre_checkout_query is answered in the response itself (Telegram runs a
 * method given in a webhook's answer), decided from the database: no chat is involved, so a busy
 * chat cannot make the purchase miss Telegram's 10 seconds.
 */
export function webhookRouter(deps: { db: Database; target: DeliveryTarget; bots?: WebhookBotCache; logger?: Logger }): Router {
  const router = Router();
  const route = routeTo(router, '');
  const known = deps.bots ?? new WebhookBotCache(deps.db);
  const checkSecret: RequestHandler = async (req, res, next) => {
    const given = req.get('x-telegram-bot-api-secret-token');
    if (!given) throw refused();
    const botId = String(req.params.botId);
    const bot = /^\d{1,20}$/.test(botId) ? await known.lookup(botId) : null;
    if (!bot || !matchesWebhookSecret(given, bot.secretHash)) throw refused();
    res.locals.bot = bot;
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
      // Checked before the body is even read; Telegram is told `malformed_update` for a body that is not an update.
      before: [checkSecret, express.json({ limit: '1mb' })],
      invalidInputCode: 'malformed_update',
      responses: {
        200: {
          description: 'durable in Temporal; for a pre_checkout_query, its answer as a webhook reply',
          schema: z.union([
            z.object({ ok: z.literal(true) }),
            z.object({
              method: z.literal('answerPreCheckoutQuery'),
              pre_checkout_query_id: z.string(),
              ok: z.boolean(),
              error_message: z.string().optional(),
            }),
          ]),
        },
        400: { description: 'malformed update' },
        401: { description: 'no secret token, a wrong one, or no webhook for this bot (one answer for all)' },
      },
    },
    async ({ params: { botId }, body }, _req, res) => {
      const receivedAt = Date.now();
      const query = body.pre_checkout_query;
      if (query) {
        const answer = await decidePreCheckout(deps.db, botId, query, deps.logger ?? silent);
        res.json({
          method: 'answerPreCheckoutQuery',
          pre_checkout_query_id: query.id,
          ok: answer.ok,
          ...(answer.errorMessage === undefined ? {} : { error_message: answer.errorMessage }),
        });
        observePreCheckout(answer, receivedAt);
        return;
      }
      const update = readUpdate(body, receivedAt);
      const { activeVersionId } = res.locals.bot as WebhookBot;
      if (update) await deliverUpdate(deps.target, botId, { ...update, activeVersionId }, 'webhook');
      res.json({ ok: true });
    },
  );
  return router;
}
