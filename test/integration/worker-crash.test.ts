import { eq } from 'drizzle-orm';
import { checkLedger } from '../../src/credits/check';
import { creditLedger } from '../../src/db/schema';
import { startChatSystem } from '../support/chat-system';
import { edge, flow } from '../support/flow-json';
import { startGenerationSystem, type GenerationSystem } from '../support/generation-system';
import { runWorkerProcess } from '../support/system-process';

/**
 * The worker process (`npm run worker`) is killed with SIGKILL in the middle of a generation: no
 * cleanup code runs. A new worker must finish the job, and the books must still balance.
 */
describe('a worker killed mid-generation', () => {
  let system: GenerationSystem;
  beforeAll(async () => {
    system = await startGenerationSystem({ worker: false });
  });
  afterAll(() => system.stop());

  const startWorker = () => runWorkerProcess(system, { FAKE_PROVIDER_LATENCY_MS: '4000', WORKER_METRICS_PORT: '0' });
  const metricsUrl = (output: string) => /"url":"(http:\/\/[^"]+\/metrics)","msg":"worker metrics listening"/.exec(output)?.[1];

  it('is replaced by a new worker that finishes the job, charging once', async () => {
    const first = await startWorker();
    const user = await system.userWith(100);
    const started = await system.api(
      'POST',
      '/api/generations',
      { userId: user, kind: 'story', prompt: 'survive a crash' },
      { 'idempotency-key': 'crash' },
    );
    const jobId = started.body.id as string;

    // Wait until the job is paid for and generating, then kill the worker without warning.
    for (let i = 0; i < 100; i++) {
      if ((await system.api('GET', `/api/generations/${encodeURIComponent(jobId)}`)).body.status === 'processing') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await system.api('GET', `/api/generations/${encodeURIComponent(jobId)}`)).body.status).toBe('processing');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = await startWorker();
    try {
      const job = await system.settled(jobId);
      expect(job.status).toBe('completed');
      expect(job.money).toMatchObject({ debitedAmount: 50, refundedAmount: null });
      expect((await system.api('GET', `/api/users/${user}`)).body.balance).toBe(50);
      expect(await checkLedger(system.db)).toEqual([]);
      // The worker that did the generation reports it on its own metrics port.
      const scraped = await (await fetch(metricsUrl(second.output())!)).text();
      expect(scraped).toMatch(/^generation_duration_seconds_count\{kind="story",outcome="completed"\} 1$/m);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

/**
 * The worker is killed after a Stars payment was written to the ledger and before the reply to it
 * went out (Telegram refuses the reply with 500 until then): the new worker replays the chat,
 * finds the payment credited, and replies – one credit.
 */
describe('a worker killed between the ledger write of a payment and the reply', () => {
  const shop = flow(
    [
      { id: 'buy', type: 'trigger.command', data: { command: '/buy' } },
      { id: 'invoice', type: 'payment.invoice', data: { title: 'Pack', description: '100 credits', stars: 50, credits: 100 } },
      { id: 'thanks', type: 'message.text', data: { text: 'Thanks! balance {{ payment.balance }}' } },
    ],
    [edge('buy', 'invoice'), edge('invoice', 'thanks', 'paid')],
  );

  it('credits once, and the run still takes paid', async () => {
    const system = await startChatSystem({ flow: shop, worker: false });
    let worker = await runWorkerProcess(system);
    try {
      const user = system.user();
      user.sendText('/buy');
      await system.until(user.chatId, (t) => t.includes('[invoice: Pack]'));
      system.emulator.failNext(Number(system.botId), 'sendMessage', { errorCode: 500 }, 3, { chatId: user.chatId });
      const { pre_checkout_query: query } = user.payInvoice();
      const verdict = await system.emulator.waitForCheckout(query.id);
      expect(verdict.status).toBe('paid');
      const entries = () =>
        system.db
          .select()
          .from(creditLedger)
          .where(eq(creditLedger.chargeId, verdict.chargeId as string));
      await system.emulator.waitFor({ method: 'sendMessage', chatId: user.chatId }, 30_000);
      expect(await entries()).toHaveLength(1);

      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      worker = await runWorkerProcess(system);
      expect(await system.until(user.chatId, (t) => t.length === 2, 60_000)).toEqual(['[invoice: Pack]', 'Thanks! balance 100']);
      expect(await entries()).toEqual([expect.objectContaining({ amount: 100, reason: 'purchase' })]);
      expect(await checkLedger(system.db)).toEqual([]);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await system.stop();
    }
  });
});
