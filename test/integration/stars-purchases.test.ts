import { eq } from 'drizzle-orm';
import type { Message } from 'telegraf/types';
import { checkLedger } from '../../src/credits/check';
import { creditLedger, generationJobs, starPayments, users } from '../../src/db/schema';
import { createFakeProvider } from '../../src/generation/fake-provider';
import { registry } from '../../src/metrics';
import { chatSteps } from '../../src/temporal/chat-messages';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import type { EmulatedUser } from '../../src/telegram-emulator';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { edge, flow } from '../support/flow-json';

/**
 * A credit pack sold for Telegram Stars, end to end through the emulator: the invoice, the
 * pre-checkout query answered by the ingress within Telegram's deadline (the emulator's verdict
 * says so), the payment credited once, and the run going on.
 */
const shop = flow(
  [
    { id: 'buy', type: 'trigger.command', data: { command: '/buy' } },
    {
      id: 'invoice',
      type: 'payment.invoice',
      data: { title: 'Pack for {{ from.firstName }}', description: '100 credits for stories', stars: 50, credits: 100, timeoutMs: 600_000 },
    },
    { id: 'thanks', type: 'message.text', data: { text: 'Thanks! +{{ payment.credits }} credits, balance {{ payment.balance }}' } },
    { id: 'late', type: 'message.text', data: { text: 'The offer has ended' } },
    { id: 'quick', type: 'trigger.command', data: { command: '/quick' } },
    {
      id: 'short',
      type: 'payment.invoice',
      data: { title: 'Flash pack', description: 'Only for a second', stars: 5, credits: 10, timeoutMs: 1_000 },
    },
    { id: 'story', type: 'trigger.command', data: { command: '/story' } },
    {
      id: 'menu',
      type: 'message.text',
      data: { text: 'Writing…', keyboard: { type: 'inline', rows: [[{ text: 'Cancel', callbackData: 'cancel' }]] } },
    },
    { id: 'write', type: 'action.generation', data: { kind: 'story', prompt: 'a long story', cancelData: 'cancel' } },
    { id: 'done', type: 'message.text', data: { text: 'story ready' } },
    { id: 'gone', type: 'message.text', data: { text: 'cancelled' } },
    { id: 'ping', type: 'trigger.command', data: { command: '/ping' } },
    { id: 'pong', type: 'message.text', data: { text: 'pong' } },
  ],
  [
    edge('buy', 'invoice'),
    edge('invoice', 'thanks', 'paid'),
    edge('invoice', 'late', 'timeout'),
    edge('quick', 'short'),
    edge('short', 'thanks', 'paid'),
    edge('short', 'late', 'timeout'),
    edge('story', 'menu'),
    edge('menu', 'write'),
    edge('write', 'done', 'success'),
    edge('write', 'gone', 'refunded'),
    edge('ping', 'pong'),
  ],
);

const purchasesOf = (system: ChatSystem, chargeId: string) =>
  system.db.select().from(creditLedger).where(eq(creditLedger.chargeId, chargeId));

async function balanceOf(system: ChatSystem, user: EmulatedUser): Promise<number> {
  const [payment] = await system.db.select().from(starPayments).where(eq(starPayments.telegramUserId, user.id));
  const answer = await system.api('GET', `/api/users/${encodeURIComponent(payment?.userId ?? '')}`);
  return answer.body.balance as number;
}

/**
 * A metric's value in this process's registry (the ingress and the worker run here), summed over
 * the label sets that match; `series` picks a histogram's `_count`.
 */
async function metricValue(name: string, labels: Record<string, string> = {}, series = name): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values =
    (metric as { values?: { value: number; labels: Record<string, string>; metricName?: string }[] } | undefined)?.values ?? [];
  return values
    .filter((v) => (v.metricName ?? name) === series && Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Waits until the chat's timeline has a step whose detail matches. */
async function waitForStep(system: ChatSystem, chatId: number, detail: RegExp): Promise<void> {
  const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, chatId));
  for (let i = 0; i < 300; i++) {
    if ((await handle.query(chatSteps, 0)).some((step) => detail.test(step.detail))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`chat ${chatId} has no step matching ${detail}`);
}

/** Sends the command and pays the invoice it brings; returns the emulator's verdict. */
async function buy(system: ChatSystem, user: EmulatedUser, command = '/buy') {
  const invoices = () => system.emulator.calls({ method: 'sendInvoice', chatId: user.chatId }).filter((c) => c.response.ok);
  const before = invoices().length;
  user.sendText(command);
  for (let i = 0; i < 300 && invoices().length === before; i++) await new Promise((r) => setTimeout(r, 50));
  const { pre_checkout_query: query } = user.payInvoice();
  return system.emulator.waitForCheckout(query.id);
}

describe.each(['polling', 'webhook'] as const)('Stars purchases (%s)', (mode) => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: shop, mode });
  });
  afterAll(() => system.stop());

  it('invoice → pre-checkout answered in time → payment → credits → the run continues', async () => {
    const before = {
      answered: await metricValue('telegram_pre_checkout_answer_seconds', { verdict: 'ok' }, 'telegram_pre_checkout_answer_seconds_count'),
      purchases: await metricValue('stars_purchases_total'),
      stars: await metricValue('stars_sold_total'),
      credits: await metricValue('credits_sold_total'),
    };
    const user = system.user({ firstName: 'Ada' });
    const verdict = await buy(system, user);
    expect(verdict).toMatchObject({ status: 'paid', chargeId: expect.any(String) });
    expect(verdict.answeredAfterMs).toBeLessThanOrEqual(10_000);
    expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual([
      '[invoice: Pack for Ada]',
      'Thanks! +100 credits, balance 100',
    ]);
    const invoice = user.messages().find((m): m is Message.InvoiceMessage => 'invoice' in m);
    expect(invoice?.invoice).toMatchObject({ title: 'Pack for Ada', currency: 'XTR', total_amount: 50 });
    expect(await purchasesOf(system, verdict.chargeId as string)).toEqual([expect.objectContaining({ amount: 100, reason: 'purchase' })]);
    expect(await balanceOf(system, user)).toBe(100);
    expect(await metricValue('telegram_pre_checkout_answer_seconds', { verdict: 'ok' }, 'telegram_pre_checkout_answer_seconds_count')).toBe(
      before.answered + 1,
    );
    expect(await metricValue('stars_purchases_total')).toBe(before.purchases + 1);
    expect(await metricValue('stars_sold_total')).toBe(before.stars + 50);
    expect(await metricValue('credits_sold_total')).toBe(before.credits + 100);
  });

  it('the same successful_payment delivered twice more credits once and says nothing more', async () => {
    const user = system.user();
    const verdict = await buy(system, user);
    await system.until(user.chatId, (t) => t.length === 2);
    const payment = user.messages().find((m) => 'successful_payment' in m) as Message.SuccessfulPaymentMessage;
    system.emulator.injectUpdate(Number(system.botId), { message: payment });
    system.emulator.injectUpdate(Number(system.botId), { message: payment });
    user.sendText('/ping');
    expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual([
      `[invoice: Pack for User ${user.id}]`,
      'Thanks! +100 credits, balance 100',
      'pong',
    ]);
    expect(await purchasesOf(system, verdict.chargeId as string)).toHaveLength(1);
    expect(await balanceOf(system, user)).toBe(100);
  });

  it('an invoice whose time ran out is refused at pre-checkout with a reason', async () => {
    const user = system.user();
    user.sendText('/quick');
    await system.until(user.chatId, (t) => t.includes('The offer has ended'));
    const { pre_checkout_query: query } = user.payInvoice();
    const verdict = await system.emulator.waitForCheckout(query.id);
    expect(verdict).toMatchObject({ status: 'declined', errorMessage: expect.stringMatching(/expired/) });
    expect(await system.db.select().from(starPayments).where(eq(starPayments.telegramUserId, user.id))).toEqual([]);
  });
});

describe('Stars refunds', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: shop });
  });
  afterAll(() => system.stop());

  /** A user who bought the pack: their user id and the charge. */
  async function bought(): Promise<{ user: EmulatedUser; userId: string; chargeId: string }> {
    const user = system.user();
    const verdict = await buy(system, user);
    await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Thanks!')));
    const [payment] = await system.db
      .select()
      .from(starPayments)
      .where(eq(starPayments.chargeId, verdict.chargeId as string));
    return { user, userId: payment!.userId, chargeId: verdict.chargeId as string };
  }
  const refund = (chargeId: string, key: string) =>
    system.api('POST', `/api/payments/${encodeURIComponent(chargeId)}/refund`, undefined, { 'idempotency-key': key });
  const balance = async (userId: string) => (await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance as number;
  const refundedAtTelegram = (chargeId: string) =>
    system.emulator.charges(Number(system.botId)).find((c) => c.chargeId === chargeId)?.refunded;

  it('takes the credits back and returns the Stars, once: the same key answers the same, another is refused', async () => {
    const { user, userId, chargeId } = await bought();
    const first = await refund(chargeId, 'r1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ chargeId, status: 'refunded', refund: { credits: 100, source: 'api' } });
    expect(await balance(userId)).toBe(0);
    expect(refundedAtTelegram(chargeId)).toBe(true);
    expect((await refund(chargeId, 'r1')).status).toBe(200);
    const again = await refund(chargeId, 'r2');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_refunded');
    expect(
      system.emulator.calls({ method: 'refundStarPayment' }).filter((c) => c.params['telegram_payment_charge_id'] === chargeId),
    ).toHaveLength(1);
    // Telegram's refunded_payment for it reaches the chat too, and takes nothing more.
    await waitForStep(system, user.chatId, /refunded by Telegram/);
    const entries = await system.db.select().from(creditLedger).where(eq(creditLedger.chargeId, chargeId));
    expect(entries.map((e) => [e.reason, e.amount])).toEqual([
      ['purchase', 100],
      ['purchase_refund', -100],
    ]);
    const listed = await system.api('GET', `/api/users/${encodeURIComponent(userId)}/payments`);
    expect(listed.body.items).toEqual([expect.objectContaining({ chargeId, stars: 50, credits: 100, status: 'refunded' })]);
  });

  it('refuses with 409 when the credits are spent, changing nothing', async () => {
    const { userId, chargeId } = await bought();
    await system.db.transaction(async (tx) => {
      await tx.insert(creditLedger).values({ userId, amount: -60, reason: 'debit', entryKey: `spent:${userId}` });
      await tx.update(users).set({ balance: 40 }).where(eq(users.id, userId));
    });
    const answer = await refund(chargeId, 'poor');
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'insufficient_balance', message: expect.stringMatching(/40.*100/) });
    expect(await balance(userId)).toBe(40);
    expect(refundedAtTelegram(chargeId)).toBe(false);
  });

  it('gives the credits back when Telegram refuses; a later refund goes through', async () => {
    const { userId, chargeId } = await bought();
    system.emulator.failNext(Number(system.botId), 'refundStarPayment', { errorCode: 400, description: 'Bad Request: CHARGE_NOT_FOUND' });
    const refused = await refund(chargeId, 'k1');
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('telegram_refused');
    expect(await balance(userId)).toBe(100);
    expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}/payments`)).body.items[0].status).toBe('paid');
    expect((await refund(chargeId, 'k2')).status).toBe(200);
    expect(await balance(userId)).toBe(0);
  });

  it('a refund Telegram made on its own is booked from refunded_payment; the API then refuses', async () => {
    const { user, userId, chargeId } = await bought();
    user.refundedByTelegram(chargeId);
    await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Your payment was refunded')));
    expect(await balance(userId)).toBe(0);
    const answer = await refund(chargeId, 'after');
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('already_refunded');
    expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}/payments`)).body.items[0]).toMatchObject({
      status: 'refunded',
      refund: { credits: 100, source: 'telegram' },
    });
    expect(await checkLedger(system.db)).toEqual([]);
  });

  it('answers 404 for a payment it does not know', async () => {
    expect((await refund('no-such-charge', 'k')).status).toBe(404);
    expect((await system.api('GET', '/api/users/nobody/payments')).status).toBe(404);
  });
});

describe('Stars purchases while the chat is busy', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: shop, provider: createFakeProvider({ latencyMs: 60_000, failureRate: 0 }) });
  });
  afterAll(() => system.stop());

  it('pre-checkout is answered within the deadline during a slow generation; the payment, after the run moved on, is credited once and told', async () => {
    const user = system.user();
    const userId = await system.credit(user, 50);
    user.sendText('/buy');
    await system.until(user.chatId, (t) => t.includes('[invoice: Pack for User ' + user.id + ']'));
    // The invoice's run is replaced by a story that keeps the chat busy for a minute.
    user.sendText('/story');
    await system.until(user.chatId, (t) => t.includes('Writing…'));
    let job: typeof generationJobs.$inferSelect | undefined;
    for (let i = 0; i < 200 && job?.status !== 'processing'; i++) {
      [job] = await system.db.select().from(generationJobs).where(eq(generationJobs.userId, userId));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job?.status).toBe('processing');

    const { pre_checkout_query: query } = user.payInvoice();
    const verdict = await system.emulator.waitForCheckout(query.id);
    expect(verdict.status).toBe('paid');
    // Still busy: the chat has not even seen the payment, yet Telegram got its answer in time.
    expect((await system.db.select().from(generationJobs).where(eq(generationJobs.id, job!.id)))[0]?.status).toBe('processing');

    user.pressButton('cancel');
    const texts = await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Payment received')));
    expect(texts).toEqual([
      `[invoice: Pack for User ${user.id}]`,
      'Writing…',
      'cancelled',
      'Payment received: 100 credits added. Your balance: 150 credits.',
    ]);
    expect(await purchasesOf(system, verdict.chargeId as string)).toHaveLength(1);
    expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance).toBe(150);
  });

  it("a refund whose Stars Telegram already returned counts as done, and Telegram's own report of it takes nothing more", async () => {
    const user = system.user();
    const userId = await system.credit(user, 50);
    user.sendText('/buy');
    await system.until(user.chatId, (t) => t.includes(`[invoice: Pack for User ${user.id}]`));
    const verdict = await system.emulator.waitForCheckout(user.payInvoice().pre_checkout_query.id);
    await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Thanks!')));
    const chargeId = verdict.chargeId as string;
    // The chat is busy, so Telegram's refunded_payment waits in its queue while the API refunds.
    user.sendText('/story');
    await system.until(user.chatId, (t) => t.includes('Writing…'));
    user.refundedByTelegram(chargeId);
    const answer = await system.api('POST', `/api/payments/${encodeURIComponent(chargeId)}/refund`, undefined, {
      'idempotency-key': 'late',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'refunded', refund: { credits: 100, source: 'api' } });
    const refundCalls = system.emulator
      .calls({ method: 'refundStarPayment' })
      .filter((c) => c.params['telegram_payment_charge_id'] === chargeId);
    expect(refundCalls.map((c) => c.response)).toEqual([
      expect.objectContaining({ ok: false, description: 'Bad Request: CHARGE_ALREADY_REFUNDED' }),
    ]);

    user.pressButton('cancel');
    await waitForStep(system, user.chatId, /refunded by Telegram: already-refunded/);
    const entries = await system.db.select().from(creditLedger).where(eq(creditLedger.chargeId, chargeId));
    expect(entries.map((e) => e.amount)).toEqual([100, -100]);
    expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance).toBe(50);
    expect(await checkLedger(system.db)).toEqual([]);
  });
});
