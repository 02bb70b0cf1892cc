import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client';
import { identifierSchema } from '../flow/fields';
import { chatTypeOfId, signalChat, type DeliveryTarget } from '../temporal/chat-delivery';
import { chatWorkflowId } from '../temporal/workflow-ids';
import { routeTo } from '../http/route';
import { audit } from './audit';
import { chatIdSchema, requireBot } from './bot-lookup';
import { botParams } from './bots';

/** Payloads travel in the chat's workflow history, which has a per-payload limit: kept well under it. */
const MAX_PAYLOAD_BYTES = 16_384;

export const chatEventParams = botParams.extend({ chatId: chatIdSchema });
export const chatEventBody = z.object({
  name: identifierSchema,
  payload: z
    .json()
    .optional()
    .refine(
      (payload) => payload === undefined || Buffer.byteLength(JSON.stringify(payload)) <= MAX_PAYLOAD_BYTES,
      `must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON`,
    ),
  eventId: z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, '1-128 letters, digits and . _ : @ -'),
  /** The Telegram user the event is for: in a group, whose run it starts and who is charged. */
  userId: z.number().int().positive().optional(),
});

/**
 * Events from other systems into a conversation (an order shipped, a payment cleared): delivered
 * to the chat's workflow with signal-with-start, where a `trigger.event` of the same name starts a
 * run. The chat drops an event id it has seen, so a caller may retry freely.
 */
export function chatEventsRouter(deps: { db: Database; telegramTarget: DeliveryTarget }): Router {
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'post',
      path: '/bots/:botId/chats/:chatId/events',
      summary: 'Deliver an event to a chat (starts its trigger.event; idempotent by eventId)',
      tag: 'bots',
      auth: 'bearer',
      params: chatEventParams,
      body: chatEventBody,
      responses: {
        202: {
          description: 'delivered to the chat',
          schema: z.object({ workflowId: z.string(), name: z.string(), eventId: z.string() }),
        },
        400: { description: 'invalid event' },
        404: { description: 'no such bot, or the bot is disabled' },
      },
    },
    async ({ params: { botId, chatId }, body: event }, req, res) => {
      await requireBot(deps.db, botId, { enabled: true });
      await signalChat(
        deps.telegramTarget,
        { botId, chatId, chatType: chatTypeOfId(chatId) },
        {
          kind: 'event',
          event: {
            name: event.name,
            payload: event.payload ?? null,
            eventId: event.eventId,
            ...(event.userId === undefined ? {} : { userId: event.userId }),
          },
        },
      );
      await audit(deps.db, req, 'chat.event', `chat:${botId}/${chatId}`, { name: event.name, eventId: event.eventId });
      res.status(202).json({ workflowId: chatWorkflowId(botId, chatId), name: event.name, eventId: event.eventId });
    },
  );

  return router;
}
