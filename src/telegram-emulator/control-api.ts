import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';
import type { EmulatorControl } from './context';
import { EmulatorUsageError } from './errors';
import type { CheckoutVerdict } from './stars';
import type { BotRef, RecordedCall } from './types';

/*
 * The emulator's test-facing API over HTTP, for the browser chat simulator: the same functions as
 * the TelegramEmulator methods, with JSON bodies, plus a server-sent event stream of what happens.
 *
 * Two scopes. `full` (the emulator's own loopback port, for tests) has everything. `simulator`
 * (mounted in the service's API for the chat page) has only what the page needs – play a user,
 * read a chat, follow the bots' answers – and names bots by id only: bot tokens must never
 * appear in a URL or an answer there, and records such as setWebhook's parameters carry secrets.
 */
export type ControlScope = 'full' | 'simulator';

/** A bot in a path is its numeric id or (full scope) its token. */
const botRef = z.string().transform((value): BotRef => (/^\d+$/.test(value) ? Number(value) : value));
const botIdOnly = z.string().regex(/^\d+$/, 'a bot id').transform(Number);
const integer = z.coerce.number().int();

const profileFields = {
  firstName: z.string().min(1).optional(),
  lastName: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  languageCode: z.string().min(2).optional(),
};

const userPaths = { full: z.object({ bot: botRef, userId: integer }), simulator: z.object({ bot: botIdOnly, userId: integer }) };
const chatPaths = { full: z.object({ bot: botRef, chatId: integer }), simulator: z.object({ bot: botIdOnly, chatId: integer }) };
const botPath = z.object({ bot: botRef });
const updatePath = z.object({ bot: botRef, updateId: integer });

const createBotBody = z.object({
  token: z.string().optional(),
  username: z.string().optional(),
  firstName: z.string().optional(),
});
const textBody = z.object({ text: z.string(), ...profileFields });
const buttonBody = z.object({ callbackData: z.string(), messageId: z.number().int().optional(), ...profileFields });
const contactBody = z.object({ phone: z.string().optional(), ...profileFields });
const payBody = z.object({ messageId: z.number().int().optional(), ...profileFields });
const telegramRefundBody = z.object({ chargeId: z.string().min(1) });
const rawUpdateBody = z.object({ update_id: z.number().int().optional() }).loose();
const faultBody = z.object({
  method: z.string(),
  errorCode: z.number().int().min(400).max(599),
  description: z.string().optional(),
  retryAfter: z.number().int().positive().optional(),
  times: z.number().int().positive().default(1),
  chatId: z.number().int().optional(),
});
const callsQuery = z.object({ bot: botRef.optional(), method: z.string().optional(), chatId: integer.optional() });
const deliveriesQuery = z.object({ bot: botRef.optional(), updateId: integer.optional() });

const controlErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (error instanceof z.ZodError) {
    res.status(400).json({ error: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  } else if (error instanceof EmulatorUsageError) {
    res.status(error.status).json({ error: error.message });
  } else if (typeof error === 'object' && error !== null && 'type' in error && error.type === 'entity.parse.failed') {
    res.status(400).json({ error: 'request body is not valid JSON' });
  } else {
    res.status(500).json({ error: error instanceof Error ? error.message : String(error) });
  }
};

/** What the simulator page learns of a call: enough to stop a spinner, show a toast, refresh a chat. */
function callSummary(call: RecordedCall) {
  const { chat_id, callback_query_id, text } = call.params as Record<string, unknown>;
  return { bot: call.bot, method: call.method, params: { chat_id, callback_query_id, text } };
}

export function controlApiRouter(emulator: EmulatorControl, scope: ControlScope = 'full'): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const playedUser = (req: Request, profile: z.output<z.ZodObject<typeof profileFields>>) => {
    const { bot, userId } = userPaths[scope].parse(req.params);
    return emulator.user(bot, { id: userId, ...profile });
  };

  if (scope === 'full') {
    // Tokens stay out of the list; whoever created a bot got its token then.
    router.get('/bots', (_req, res) => {
      res.json(emulator.bots().map(({ id, username }) => ({ id, username })));
    });

    router.post('/bots', (req, res) => {
      res.status(201).json(emulator.createBot(createBotBody.parse(req.body ?? {})));
    });
  }

  router.post('/bots/:bot/users/:userId/text', (req, res) => {
    const { text, ...profile } = textBody.parse(req.body);
    res.status(201).json(playedUser(req, profile).sendText(text));
  });

  router.post('/bots/:bot/users/:userId/button', (req, res) => {
    const { callbackData, messageId, ...profile } = buttonBody.parse(req.body);
    const options = messageId === undefined ? {} : { messageId };
    res.status(201).json(playedUser(req, profile).pressButton(callbackData, options));
  });

  router.post('/bots/:bot/users/:userId/contact', (req, res) => {
    const { phone, ...profile } = contactBody.parse(req.body ?? {});
    res.status(201).json(playedUser(req, profile).shareContact(phone));
  });

  router.post('/bots/:bot/users/:userId/pay', (req, res) => {
    const { messageId, ...profile } = payBody.parse(req.body ?? {});
    res.status(201).json(playedUser(req, profile).payInvoice(messageId === undefined ? {} : { messageId }));
  });

  router.get('/checkouts/:queryId', (req, res) => {
    res.json(emulator.checkout(req.params.queryId));
  });

  router.get('/bots/:bot/chats/:chatId', (req, res) => {
    const { bot, chatId } = chatPaths[scope].parse(req.params);
    res.json({
      messages: emulator.messages(chatId, bot),
      replyKeyboard: emulator.replyKeyboard(chatId, bot) ?? null,
    });
  });

  router.get('/callback-answers/:id', (req, res) => {
    res.json(emulator.callbackAnswers(req.params.id));
  });

  if (scope === 'simulator') {
    /** Server-sent events `call`, each a summary without the call's other parameters. */
    router.get('/events', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': connected\n\n');
      const onCall = (call: RecordedCall) => void res.write(`event: call\ndata: ${JSON.stringify(callSummary(call))}\n\n`);
      const onCheckout = (verdict: CheckoutVerdict) => void res.write(`event: checkout\ndata: ${JSON.stringify(verdict)}\n\n`);
      emulator.on('call', onCall);
      emulator.on('checkout', onCheckout);
      req.on('close', () => {
        emulator.off('call', onCall);
        emulator.off('checkout', onCheckout);
      });
    });
    router.use(controlErrors);
    return router;
  }

  router.post('/bots/:bot/updates', (req, res) => {
    const { bot } = botPath.parse(req.params);
    res.status(201).json(emulator.injectUpdate(bot, rawUpdateBody.parse(req.body)));
  });

  router.post('/bots/:bot/updates/:updateId/redeliver', async (req, res) => {
    const { bot, updateId } = updatePath.parse(req.params);
    res.json(await emulator.redeliver(bot, updateId));
  });

  router.post('/bots/:bot/users/:userId/refund', (req, res) => {
    const { chargeId } = telegramRefundBody.parse(req.body);
    playedUser(req, {}).refundedByTelegram(chargeId);
    res.status(204).end();
  });

  router.get('/bots/:bot/charges', (req, res) => {
    res.json(emulator.charges(botPath.parse(req.params).bot));
  });

  router.get('/bots/:bot/polls', (req, res) => {
    res.json(emulator.polls(botPath.parse(req.params).bot));
  });

  router.post('/bots/:bot/faults', (req, res) => {
    const { bot } = botPath.parse(req.params);
    const { method, times, chatId, ...fault } = faultBody.parse(req.body);
    emulator.failNext(bot, method, fault, times, chatId === undefined ? {} : { chatId });
    res.status(204).end();
  });

  router.get('/calls', (req, res) => {
    res.json(emulator.calls(callsQuery.parse(req.query)));
  });

  router.get('/deliveries', (req, res) => {
    res.json(emulator.deliveries(deliveriesQuery.parse(req.query)));
  });

  /** Server-sent events: `call`, `update`, `delivery` and `checkout`, each with its record as JSON. */
  router.get('/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': connected\n\n');
    const forward = (event: string) => (data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const onCall = forward('call');
    const onUpdate = forward('update');
    const onDelivery = forward('delivery');
    const onCheckout = forward('checkout');
    emulator.on('call', onCall);
    emulator.on('update', onUpdate);
    emulator.on('delivery', onDelivery);
    emulator.on('checkout', onCheckout);
    req.on('close', () => {
      emulator.off('call', onCall);
      emulator.off('update', onUpdate);
      emulator.off('delivery', onDelivery);
      emulator.off('checkout', onCheckout);
    });
  });

  router.use(controlErrors);
  return router;
}
