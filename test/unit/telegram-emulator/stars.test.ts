import { Telegram, TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import { EmulatorUsageError, PRE_CHECKOUT_TIMEOUT_MS, TelegramEmulator, type RunningEmulator } from '../../../src/telegram-emulator';

const invoice = (chatId: number, overrides: Record<string, unknown> = {}) => ({
  chat_id: chatId,
  title: 'Credit pack',
  description: '100 credits for generations',
  payload: 'inv-1',
  currency: 'XTR',
  prices: [{ label: '100 credits', amount: 50 }],
  ...overrides,
});

async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof TelegramError) return err.description;
    throw err;
  }
  throw new Error('the call was not refused');
}

describe('telegram emulator: Telegram Stars', () => {
  let now: number;
  let emulator: TelegramEmulator;
  let server: RunningEmulator;
  let token: string;
  let botId: number;
  let telegram: Telegram;

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1, 12, 0, 0);
    emulator = new TelegramEmulator({ clock: () => now });
    server = await emulator.start();
    ({ token, id: botId } = emulator.createBot());
    telegram = new Telegram(token, { apiRoot: server.apiRoot });
  });

  afterEach(async () => {
    await server.close();
  });

  const updates = async (allowed?: string[]) =>
    (await telegram.callApi('getUpdates', {
      offset: 0,
      timeout: 0,
      ...(allowed ? { allowed_updates: allowed as never } : {}),
    })) as Update[];

  it('refuses invoices that are not Stars invoices or break the limits, with Telegram wording', async () => {
    const user = emulator.user(token);
    const send = (overrides: Record<string, unknown>) => refusal(telegram.callApi('sendInvoice', invoice(user.chatId, overrides) as never));
    expect(await send({ title: 'x'.repeat(33) })).toBe('Bad Request: INVOICE_TITLE_INVALID');
    expect(await send({ title: '' })).toBe('Bad Request: INVOICE_TITLE_EMPTY');
    expect(await send({ description: 'x'.repeat(256) })).toBe('Bad Request: INVOICE_DESCRIPTION_INVALID');
    expect(await send({ payload: 'é'.repeat(65) })).toBe('Bad Request: INVOICE_PAYLOAD_INVALID');
    expect(await send({ currency: 'USD' })).toBe('Bad Request: CURRENCY_INVALID');
    expect(await send({ provider_token: 'stripe-token' })).toBe('Bad Request: PAYMENT_PROVIDER_INVALID');
    expect(
      await send({
        prices: [
          { label: 'a', amount: 1 },
          { label: 'b', amount: 1 },
        ],
      }),
    ).toBe('Bad Request: STARS_INVOICE_INVALID');
    expect(await send({ prices: [{ label: 'a', amount: 0 }] })).toBe('Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID');
    expect(emulator.messages(user.chatId, token)).toEqual([]);
  });

  it('an invoice answered ok in time is paid: successful_payment reaches the bot with a charge id', async () => {
    const user = emulator.user(token, { id: 301 });
    const sent = await telegram.callApi('sendInvoice', invoice(301) as never);
    expect(sent).toMatchObject({ invoice: { title: 'Credit pack', currency: 'XTR', total_amount: 50 } });

    const { pre_checkout_query: query } = user.payInvoice();
    expect(query).toMatchObject({ from: { id: 301 }, currency: 'XTR', total_amount: 50, invoice_payload: 'inv-1' });
    expect(emulator.checkout(query.id).status).toBe('pending');
    expect((await updates()).map((u) => Object.keys(u)[1])).toEqual(['pre_checkout_query']);

    now += PRE_CHECKOUT_TIMEOUT_MS; // the last moment still counts
    expect(await telegram.answerPreCheckoutQuery(query.id, true)).toBe(true);

    const verdict = emulator.checkout(query.id);
    expect(verdict).toMatchObject({ status: 'paid', answeredAfterMs: PRE_CHECKOUT_TIMEOUT_MS });
    const payment = (await updates()).find((u) => 'message' in u && 'successful_payment' in u.message);
    expect(payment).toMatchObject({
      message: {
        from: { id: 301 },
        chat: { id: 301 },
        successful_payment: { currency: 'XTR', total_amount: 50, invoice_payload: 'inv-1', telegram_payment_charge_id: verdict.chargeId },
      },
    });
    expect(emulator.charges(token)).toEqual([expect.objectContaining({ chargeId: verdict.chargeId, userId: 301, refunded: false })]);
  });

  it('an answer after the 10-second deadline is refused and the purchase is cancelled', async () => {
    const user = emulator.user(token);
    await telegram.callApi('sendInvoice', invoice(user.chatId) as never);
    const { pre_checkout_query: query } = user.payInvoice();
    now += PRE_CHECKOUT_TIMEOUT_MS + 1;
    expect(await refusal(telegram.answerPreCheckoutQuery(query.id, true))).toMatch(/query is too old/);
    expect(emulator.checkout(query.id)).toMatchObject({ status: 'expired', answeredAfterMs: PRE_CHECKOUT_TIMEOUT_MS + 1 });
    expect(emulator.charges(token)).toEqual([]);
    expect(user.messages().some((m) => 'successful_payment' in m)).toBe(false);
  });

  it('with no answer at all the purchase expires by itself', async () => {
    const quick = new TelegramEmulator({ preCheckoutTimeoutMs: 50 });
    const bot = quick.createBot();
    const user = quick.user(bot.token);
    await quick.callApi(bot.token, 'sendInvoice', invoice(user.chatId));
    const { pre_checkout_query: query } = user.payInvoice();
    expect(await quick.waitForCheckout(query.id)).toMatchObject({ status: 'expired' });
    expect((await quick.callApi(bot.token, 'answerPreCheckoutQuery', { pre_checkout_query_id: query.id, ok: true })).ok).toBe(false);
    expect(quick.checkout(query.id).answeredAfterMs).toBeGreaterThanOrEqual(50);
  });

  it('a query is answered once; a decline needs a reason and cancels the purchase', async () => {
    const user = emulator.user(token);
    await telegram.callApi('sendInvoice', invoice(user.chatId) as never);
    const first = user.payInvoice().pre_checkout_query;
    expect(await refusal(telegram.answerPreCheckoutQuery(first.id, false))).toBe('Bad Request: ERROR_MESSAGE_EMPTY');
    expect(await telegram.answerPreCheckoutQuery(first.id, false, 'This offer has expired')).toBe(true);
    expect(emulator.checkout(first.id)).toMatchObject({ status: 'declined', errorMessage: 'This offer has expired' });
    expect(await refusal(telegram.answerPreCheckoutQuery(first.id, true))).toMatch(/query is too old/);
    expect(await refusal(telegram.answerPreCheckoutQuery('123', true))).toMatch(/query is too old/);
    expect(emulator.charges(token)).toEqual([]);
  });

  it('a bot that did not subscribe to pre_checkout_query never hears it', async () => {
    const user = emulator.user(token);
    await updates(['message']);
    await telegram.callApi('sendInvoice', invoice(user.chatId) as never);
    user.payInvoice();
    expect(await updates()).toEqual([]);
  });

  it('paying needs an invoice on screen', async () => {
    const user = emulator.user(token);
    expect(() => user.payInvoice()).toThrow(EmulatorUsageError);
    await telegram.sendMessage(user.chatId, 'no invoice here');
    expect(() => user.payInvoice({ messageId: 1 })).toThrow(/no invoice with message id 1/);
  });

  it('refundStarPayment refunds a charge of that user once, and the chat gets refunded_payment', async () => {
    const user = emulator.user(token);
    await telegram.callApi('sendInvoice', invoice(user.chatId) as never);
    const { pre_checkout_query: query } = user.payInvoice();
    await telegram.answerPreCheckoutQuery(query.id, true);
    const chargeId = emulator.checkout(query.id).chargeId as string;

    const refund = (userId: number, charge = chargeId) =>
      telegram.callApi('refundStarPayment' as never, { user_id: userId, telegram_payment_charge_id: charge } as never);
    expect(await refusal(refund(user.id + 1))).toBe('Bad Request: CHARGE_NOT_FOUND');
    expect(await refusal(refund(user.id, 'stx-unknown'))).toBe('Bad Request: CHARGE_NOT_FOUND');
    expect(await refund(user.id)).toBe(true);
    expect(await refusal(refund(user.id))).toBe('Bad Request: CHARGE_ALREADY_REFUNDED');
    expect(emulator.charges(botId)).toEqual([expect.objectContaining({ chargeId, refunded: true })]);
    const refunded = (await updates()).filter((u) => 'message' in u && 'refunded_payment' in u.message);
    expect(refunded).toEqual([
      expect.objectContaining({
        message: expect.objectContaining({
          refunded_payment: expect.objectContaining({ telegram_payment_charge_id: chargeId, total_amount: 50 }),
        }),
      }),
    ]);
  });

  it('Telegram may refund on its own; the bot then cannot refund again', async () => {
    const user = emulator.user(token);
    await telegram.callApi('sendInvoice', invoice(user.chatId) as never);
    const { pre_checkout_query: query } = user.payInvoice();
    await telegram.answerPreCheckoutQuery(query.id, true);
    const chargeId = emulator.checkout(query.id).chargeId as string;
    user.refundedByTelegram(chargeId);
    expect(() => user.refundedByTelegram(chargeId)).toThrow(/refunded already/);
    const answer = await emulator.callApi(token, 'refundStarPayment', { user_id: user.id, telegram_payment_charge_id: chargeId });
    expect(answer).toMatchObject({ ok: false, description: 'Bad Request: CHARGE_ALREADY_REFUNDED' });
  });

  it('the control API pays an invoice and reports the verdict', async () => {
    const user = emulator.user(token, { id: 808 });
    await telegram.callApi('sendInvoice', invoice(808) as never);
    const control = `${server.apiRoot}/emulator`;
    const paid = await fetch(`${control}/bots/${botId}/users/808/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(paid.status).toBe(201);
    const { pre_checkout_query: query } = (await paid.json()) as Update.PreCheckoutQueryUpdate;
    await telegram.answerPreCheckoutQuery(query.id, true);
    const verdict = (await (await fetch(`${control}/checkouts/${query.id}`)).json()) as { status: string };
    expect(verdict.status).toBe('paid');
    expect((await fetch(`${control}/checkouts/999`)).status).toBe(404);
    expect(user.messages().map((m) => Object.keys(m).find((k) => k === 'invoice' || k === 'successful_payment'))).toEqual([
      'invoice',
      'successful_payment',
    ]);
  });
});
