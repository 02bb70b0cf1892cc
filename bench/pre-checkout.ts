/**
 * Pre-checkout answer latency under load, end to end on the embedded stack (`start` entrypoint)
 * with the Telegram Bot API emulator in this process, one bot in webhook mode.
 *
 *   npm run bench:pre-checkout -- [--chats=20] [--invoices=5] [--slow=30000] [--floor=200]
 *   (or node --import tsx bench/pre-checkout.ts …; BENCH_CHATS, BENCH_INVOICES, BENCH_SLOW_MS, BENCH_FLOOR)
 *
 * Telegram cancels a Stars purchase whose pre_checkout_query is not answered within 10 seconds;
 * the service answers it at the ingress from the database (src/ingress/pre-checkout.ts), never
 * through the chat. The load: every chat asks for --invoices invoices (/buy), then starts a paid
 * story on the fake provider that keeps the chat busy for --slow ms; then all chats pay all their
 * invoices at once (their starts spread over a second). Each payment's successful_payment then
 * queues behind the story in its chat while the other queries are being answered.
 *
 * A query's latency is the emulator's own verdict (`answeredAfterMs`: from handing the bot the
 * query to receiving its answer – in webhook mode the webhook POST's response carries it). The
 * floor, measured in the same run and interleaved with the load: the same webhook round trip for
 * an update the ingress drops at once (a message without a sender: no database, no Temporal). The report
 * gives p50/p99 of both and their ratio.
 *
 * Exits 1 when a purchase is not paid (declined, or the emulator's 10 s passed) or a payment is
 * credited other than once once the chats are free.
 */
import { eq } from 'drizzle-orm';
import { creditLedger } from '../src/db/schema';
import type { CheckoutVerdict, DeliveryAttempt, EmulatedUser } from '../src/telegram-emulator';
import { startChatStack, type ChatStack } from './support/chat-stack';
import { epochNow } from './support/clock';
import { embeddedDatabaseUrl } from './support/data-dir';
import { runBench } from './support/entrypoint';
import { intOption } from './support/options';
import { pass, printBlock, printJsonLine, progress } from './support/report';
import { mapConcurrent, openDatabase, sleep } from './support/stack';
import { dist, ms } from './support/stats';

const READY_TIMEOUT_MS = 180_000;
const SETUP_TIMEOUT_MS = 60_000;
const SPREAD_MS = 1_000;
const CREDITS = 1_000;

// An invoice's `paid` ends its run (nothing to say); so does a story's refund.
const flow = {
  nodes: [
    { id: 'buy', type: 'trigger.command', data: { command: '/buy' } },
    {
      id: 'invoice',
      type: 'payment.invoice',
      data: { title: 'Pack', description: '10 credits', stars: 5, credits: 10 },
      openHandles: ['paid'],
    },
    { id: 'story', type: 'trigger.command', data: { command: '/story' } },
    { id: 'write', type: 'action.generation', data: { kind: 'story', prompt: 'a long story' }, openHandles: ['refunded'] },
    { id: 'done', type: 'message.text', data: { text: 'story ready' } },
  ],
  edges: [
    { id: 'e1', source: 'buy', target: 'invoice' },
    { id: 'e2', source: 'story', target: 'write' },
    { id: 'e3', source: 'write', sourceHandle: 'success', target: 'done' },
  ],
};

function options() {
  return {
    chats: intOption('chats', 'BENCH_CHATS', 20),
    invoices: intOption('invoices', 'BENCH_INVOICES', 5),
    slowMs: intOption('slow', 'BENCH_SLOW_MS', 30_000),
    floor: intOption('floor', 'BENCH_FLOOR', 200),
  };
}

const invoicesIn = (user: EmulatedUser) => user.messages().filter((m) => 'invoice' in m);

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

/** Webhook round trips of updates the ingress drops at once, `count` of them `gapMs` apart. */
async function floorRoundTrips(stack: ChatStack, count: number, gapMs: number, firstChat: number): Promise<number[]> {
  const started = new Map<number, number>();
  const took: number[] = [];
  const onDelivery = (attempt: DeliveryAttempt) => {
    const at = started.get(attempt.updateId);
    if (at === undefined || !attempt.ok) return;
    started.delete(attempt.updateId);
    took.push(epochNow() - at);
  };
  stack.emulator.on('delivery', onDelivery);
  try {
    for (let i = 0; i < count; i++) {
      const chat = firstChat + i;
      const at = epochNow();
      const update = stack.emulator.injectUpdate(stack.bot.id, {
        // A message with no sender: the ingress reads it and drops it, before the database or Temporal.
        message: { message_id: 1, date: 0, chat: { id: chat, type: 'private' }, text: 'x' },
      });
      started.set(update.update_id, at);
      await sleep(gapMs);
    }
    await until('floor deliveries', () => started.size === 0, 30_000);
  } finally {
    stack.emulator.off('delivery', onDelivery);
  }
  return took;
}

export async function main(): Promise<boolean> {
  const opts = options();
  let stack: ChatStack | undefined;
  try {
    stack = await startChatStack({
      name: 'bench-pre-checkout',
      flow,
      clock: epochNow,
      env: { FAKE_PROVIDER_LATENCY_MS: String(opts.slowMs) },
      describe: `${opts.chats} chats × ${opts.invoices} invoices, chats busy for ${opts.slowMs} ms`,
    });
    await stack.ready(READY_TIMEOUT_MS, SETUP_TIMEOUT_MS);
    const s = stack;
    // One waitForCheckout listener per purchase in flight.
    s.emulator.setMaxListeners(opts.chats * opts.invoices + 20);
    const users = Array.from({ length: opts.chats }, () => s.emulator.user(s.bot.token));

    progress('invoices: every chat asks for its packs');
    await mapConcurrent(users, 10, async (user) => {
      for (let k = 1; k <= opts.invoices; k++) {
        user.sendText('/buy');
        await until(`invoice ${k} in chat ${user.chatId}`, () => invoicesIn(user).length >= k);
      }
      await s.api.request(
        'POST',
        `/api/users/${encodeURIComponent(`tg:${s.bot.id}:${user.id}`)}/credits`,
        { amount: CREDITS },
        {
          'idempotency-key': `bench-${user.id}`,
        },
      );
    });

    progress('busy: every chat starts a slow paid story');
    for (const user of users) user.sendText('/story');
    const typing = () => new Set(s.emulator.calls({ method: 'sendChatAction' }).map((c) => String(c.params['chat_id'])));
    await until('every chat generating', () => users.every((u) => typing().has(String(u.chatId))));

    progress('floor, idle');
    const idleFloor = await floorRoundTrips(s, opts.floor, 5, 900_000_000);

    progress(`load: ${opts.chats * opts.invoices} purchases at once, the floor interleaved`);
    const loadStarted = epochNow();
    const queries: Promise<CheckoutVerdict>[] = [];
    const floorDuringLoad = floorRoundTrips(s, opts.floor, Math.max(1, Math.floor(SPREAD_MS / opts.floor)), 910_000_000);
    const payments = users.flatMap((user) =>
      invoicesIn(user).map(async (invoice) => {
        await sleep(Math.random() * SPREAD_MS);
        const { pre_checkout_query: query } = user.payInvoice({ messageId: invoice.message_id });
        queries.push(s.emulator.waitForCheckout(query.id));
      }),
    );
    await Promise.all(payments);
    const verdicts = await Promise.all(queries);
    const loadFloor = await floorDuringLoad;
    const loadMs = epochNow() - loadStarted;

    const paid = verdicts.filter((v) => v.status === 'paid');
    const latencies = verdicts.map((v) => v.answeredAfterMs ?? Infinity);
    const answered = dist(latencies, 1);
    const idle = dist(idleFloor, 1);
    const underLoad = dist(loadFloor, 1);

    progress('checking every payment is credited once (after the stories end)');
    const db = openDatabase(embeddedDatabaseUrl(s.dataDir, s.ports.postgres));
    let creditedOnce = false;
    try {
      const charges = paid.map((v) => v.chargeId as string);
      const deadline = Date.now() + opts.slowMs + 120_000;
      for (;;) {
        const rows = await db.select({ chargeId: creditLedger.chargeId }).from(creditLedger).where(eq(creditLedger.reason, 'purchase'));
        const counts = new Map<string, number>();
        for (const row of rows) counts.set(row.chargeId as string, (counts.get(row.chargeId as string) ?? 0) + 1);
        creditedOnce = charges.every((c) => counts.get(c) === 1) && rows.length === charges.length;
        if (creditedOnce || Date.now() > deadline) break;
        await sleep(1_000);
      }
    } finally {
      await db.$client.end().catch(() => undefined);
    }

    const ok = paid.length === verdicts.length && creditedOnce;
    printBlock('pre-checkout answer latency under load (emulator verdicts)', [
      ['purchases', `${verdicts.length} in ${ms(loadMs)} ms, ${paid.length} paid (${pass(paid.length === verdicts.length)})`],
      ['answer p50 / p99 / max', `${ms(answered.p50)} / ${ms(answered.p99)} / ${ms(answered.max)} ms (Telegram allows 10000)`],
      ['floor under load p50 / p99', `${ms(underLoad.p50)} / ${ms(underLoad.p99)} ms (webhook round trip of a dropped update)`],
      ['floor idle p50 / p99', `${ms(idle.p50)} / ${ms(idle.p99)} ms`],
      [
        'ratio to the floor under load',
        `p50 ×${(answered.p50 / underLoad.p50).toFixed(2)}, p99 ×${(answered.p99 / underLoad.p99).toFixed(2)}`,
      ],
      ['credited once each', pass(creditedOnce)],
    ]);
    printJsonLine('pre-checkout', {
      opts,
      answered,
      floorUnderLoad: underLoad,
      floorIdle: idle,
      paid: paid.length,
      total: verdicts.length,
      creditedOnce,
    });
    return ok;
  } finally {
    await stack?.stop();
  }
}

if (require.main === module) runBench('pre-checkout', main);
