import { ApplicationFailure } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { checkLedger } from '../../src/credits/check';
import { createFakeProvider } from '../../src/generation/fake-provider';
import { completeJob, createAndDebitJob, getJob, refundAndCloseJob, type NewJob } from '../../src/generation/jobs';
import { PermanentProviderError, type GenerationProvider } from '../../src/generation/provider';
import { createLogger } from '../../src/logger';
import { activitiesFor } from '../../src/app/services';
import { startGenerationSystem, testApiToken, workflowBundle, type GenerationSystem } from '../support/generation-system';
import { connectTestTemporal } from '../support/harness';

const silent = createLogger('silent');

/**
 * The field report's scenarios (../shared/seeds/credit-loss.md) and the ones it missed: whatever
 * fails, the user is charged once and gets either the result or the money back, once.
 */
describe('paid generations', () => {
  let system: GenerationSystem;

  beforeAll(async () => {
    system = await startGenerationSystem();
  });
  afterAll(() => system.stop());
  afterEach(async () => {
    expect(await checkLedger(system.db)).toEqual([]);
  });

  let keys = 0;
  const story = (userId: string, prompt = 'a fox who learns to fly') =>
    system.api('POST', '/api/generations', { userId, kind: 'story', prompt }, { 'idempotency-key': `key-${++keys}` });
  const balance = async (userId: string) => (await system.api('GET', `/api/users/${userId}`)).body.balance as number;
  const ledger = async (userId: string) =>
    ((await system.api('GET', `/api/users/${userId}/ledger`)).body.items as { reason: string; amount: number }[]).map(
      (e) => `${e.reason} ${e.amount}`,
    );

  it('charges once and stores the result when the generation succeeds', async () => {
    const user = await system.userWith(120);
    const started = await story(user);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: 'pending',
      cost: 50,
      kind: 'story',
      links: { self: expect.stringContaining('/api/generations/') },
    });

    const job = await system.settled(started.body.id);
    expect(job.status).toBe('completed');
    expect(job.result.text).toContain('a fox who learns to fly');
    expect(job.money).toMatchObject({ debitedAmount: 50, refundedAmount: null, debitedAt: expect.any(String) });
    expect(await balance(user)).toBe(70);
    expect(await ledger(user)).toEqual(['debit -50', 'topup 120']);
  });

  it('refunds once when the provider refuses for good', async () => {
    const user = await system.userWith(100);
    const job = await system.settled((await story(user, 'a story [fail]')).body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/refuses/);
    expect(job.money).toMatchObject({ debitedAmount: 50, refundedAmount: 50 });
    expect(await balance(user)).toBe(100);
    expect(await ledger(user)).toEqual(['refund 50', 'debit -50', 'topup 100']);
  });

  it('rejects a job the user cannot pay for, without debit or refund', async () => {
    const user = await system.userWith(30);
    const job = await system.settled((await story(user)).body.id);
    expect(job.status).toBe('rejected');
    expect(job.money).toEqual({ debitedAt: null, debitedAmount: null, refundedAt: null, refundedAmount: null });
    expect(await ledger(user)).toEqual(['topup 30']);
  });

  it('creates and debits a job in one step that can run again, or twice at once, without charging twice', async () => {
    const user = await system.userWith(120);
    const job = (n: number): NewJob => ({
      id: `direct:${user}:${n}`,
      userId: user,
      kind: 'story',
      prompt: 'direct',
      params: {},
      cost: 50,
      idempotencyKey: `direct-${n}`,
      requestHash: 'hash',
    });
    expect(await createAndDebitJob(system.db, job(1))).toBe('debited');
    expect(await createAndDebitJob(system.db, job(1))).toBe('debited');
    expect(await Promise.all([createAndDebitJob(system.db, job(2)), createAndDebitJob(system.db, job(2))])).toEqual(['debited', 'debited']);
    // 20 credits left: the job is written, as pending, and nothing is charged.
    expect(await createAndDebitJob(system.db, job(3))).toBe('insufficient-credits');
    expect((await getJob(system.db, job(3).id))?.status).toBe('pending');
    expect(await refundAndCloseJob(system.db, job(3).id, 'rejected', 'not enough credits')).toEqual({
      status: 'rejected',
      refunded: false,
    });
    expect(await createAndDebitJob(system.db, job(3))).toBe('settled');
    expect(await completeJob(system.db, job(1).id, { text: 'done' })).toBe('completed');
    expect(await completeJob(system.db, job(1).id, { text: 'again' })).toBe('completed');
    expect(await refundAndCloseJob(system.db, job(2).id, 'failed', 'gave up')).toEqual({ status: 'failed', refunded: true });
    expect(await completeJob(system.db, job(2).id, { text: 'late' })).toBe('failed');
    expect(await balance(user)).toBe(70);
    expect(await ledger(user)).toEqual(['refund 50', 'debit -50', 'debit -50', 'topup 120']);
  });

  it('charges one debit for the same Idempotency-Key sent 50 times at once', async () => {
    const user = await system.userWith(500);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        system.api('POST', '/api/generations', { userId: user, kind: 'story', prompt: 'once' }, { 'idempotency-key': 'same-key' }),
      ),
    );
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect((await system.settled(responses[0]!.body.id)).status).toBe('completed');
    expect(await ledger(user)).toEqual(['debit -50', 'topup 500']);
  });

  it('refuses a reused Idempotency-Key with a different body and charges nothing for it', async () => {
    const user = await system.userWith(100);
    const first = await system.api(
      'POST',
      '/api/generations',
      { userId: user, kind: 'story', prompt: 'one' },
      { 'idempotency-key': 'reused' },
    );
    const second = await system.api(
      'POST',
      '/api/generations',
      { userId: user, kind: 'story', prompt: 'two' },
      { 'idempotency-key': 'reused' },
    );
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('idempotency_key_reused');
    await system.settled(first.body.id);
    expect(await ledger(user)).toEqual(['debit -50', 'topup 100']);
  });

  it('names the bad field of an invalid request and starts nothing', async () => {
    const user = await system.userWith(100);
    const noKey = await system.api('POST', '/api/generations', { userId: user, kind: 'story', prompt: 'x' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.details[0].field).toBe('headers.idempotency-key');
    const badBody = await system.api(
      'POST',
      '/api/generations',
      { userId: user, kind: 'story', prompt: 42 },
      { 'idempotency-key': 'k-bad' },
    );
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.details.map((d: { field: string }) => d.field)).toEqual(['body.prompt']);
    const unknownKind = await system.api(
      'POST',
      '/api/generations',
      { userId: user, kind: 'poem', prompt: 'x' },
      { 'idempotency-key': 'k-poem' },
    );
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.error.details[0].field).toBe('body.kind');
    const nobody = await system.api(
      'POST',
      '/api/generations',
      { userId: 'nobody', kind: 'story', prompt: 'x' },
      { 'idempotency-key': 'k-nobody' },
    );
    expect(nobody.status).toBe(404);
    expect(await ledger(user)).toEqual(['topup 100']);
  });

  it('the database refuses to turn a failed job into a completed one', async () => {
    const user = await system.userWith(100);
    const job = await system.settled((await story(user, '[fail] please')).body.id);
    expect(job.status).toBe('failed');
    const plainSql = (statement: string) => system.db.$client.query(statement, [job.id]);
    await expect(plainSql(`update generation_jobs set status = 'completed' where id = $1`)).rejects.toThrow(
      /is failed, a terminal status, and cannot become completed/,
    );
    await expect(plainSql(`update generation_jobs set status = 'processing' where id = $1`)).rejects.toThrow(/terminal status/);
    expect((await system.settled(job.id)).status).toBe('failed');
  });

  it('the database refuses a negative balance', async () => {
    const user = await system.userWith(10);
    await expect(system.db.$client.query('update users set balance = balance - 11 where id = $1', [user])).rejects.toThrow(
      /users_balance_not_negative/,
    );
  });
});

describe('paid generations under faults', () => {
  let system: GenerationSystem;
  beforeEach(async () => {
    system = await startGenerationSystem({ worker: false });
  });
  afterEach(async () => {
    expect(await checkLedger(system.db)).toEqual([]);
    await system.stop();
  });

  const start = async (user: string, prompt: string) =>
    (await system.api('POST', '/api/generations', { userId: user, kind: 'story', prompt }, { 'idempotency-key': 'fault' })).body
      .id as string;
  const trail = async (jobId: string) => (await system.api('GET', `/api/generations/${encodeURIComponent(jobId)}`)).body.money;

  it('a crash right after the debit commits charges once and still refunds the failed job', async () => {
    // The debit commits, then the worker "dies" before reporting it: Temporal runs the debit again.
    const activities = activitiesFor({
      db: system.db,
      config: system.config,
      cipher: system.cipher,
      logger: silent,
      provider: createFakeProvider({ latencyMs: 0, failureRate: 0 }),
    });
    let crashed = false;
    const temporal = await connectTestTemporal();
    const worker = await Worker.create({
      connection: temporal.workerConnection,
      taskQueue: system.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        ...activities,
        async createAndDebitJob(job: Parameters<typeof activities.createAndDebitJob>[0]) {
          await activities.createAndDebitJob(job);
          if (!crashed) {
            crashed = true;
            throw ApplicationFailure.retryable('worker crashed after the debit committed');
          }
        },
      },
    });
    const user = await system.userWith(100);
    const jobId = await start(user, 'then fails [fail]');
    const job = await worker.runUntil(system.settled(jobId));
    await temporal.close();
    expect(crashed).toBe(true);
    expect(job.status).toBe('failed');
    expect(job.money).toMatchObject({ debitedAmount: 50, refundedAmount: 50 });
    expect((await system.api('GET', `/api/users/${user}`)).body.balance).toBe(100);
  });

  it('a stalled attempt that finishes late cannot overwrite the failed, refunded job', async () => {
    let lateFinish!: () => void;
    const attempt1Returned = new Promise<void>((resolve) => (lateFinish = resolve));
    const stallingThenRefusing: GenerationProvider = {
      name: 'stall-then-refuse',
      async generate(_request, context) {
        if (context.attempt === 1) {
          // Stops heartbeating (the 2 s heartbeat timeout hands the job to attempt 2), then
          // finishes successfully long after, like worker A in the field report.
          await new Promise((resolve) => setTimeout(resolve, 6_000));
          lateFinish();
          return { text: 'late result from attempt 1', model: 'stale' };
        }
        throw new PermanentProviderError(`attempt ${context.attempt} fails`);
      },
    };
    await system.startWorker(stallingThenRefusing);
    const user = await system.userWith(100);
    const jobId = await start(user, 'slow');
    const job = await system.settled(jobId);
    expect(job.status).toBe('failed');
    await attempt1Returned;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = (await system.api('GET', `/api/generations/${encodeURIComponent(jobId)}`)).body;
    expect(after.status).toBe('failed');
    expect(after.result).toBeNull();
    expect(after.money).toMatchObject({ debitedAmount: 50, refundedAmount: 50 });
  });

  it('a stalled attempt replaced by a successful one charges once and keeps the successful result', async () => {
    const stallingThenSucceeding: GenerationProvider = {
      name: 'stall-then-succeed',
      async generate(_request, context) {
        if (context.attempt === 1) {
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          return { text: 'late result from attempt 1', model: 'stale' };
        }
        return { text: `result of attempt ${context.attempt}`, model: 'fresh' };
      },
    };
    await system.startWorker(stallingThenSucceeding);
    const user = await system.userWith(100);
    const job = await system.settled(await start(user, 'slow'));
    expect(job.status).toBe('completed');
    expect(job.result.text).toBe('result of attempt 2');
    expect(job.money).toMatchObject({ debitedAmount: 50, refundedAmount: null });
  });

  it('cancelling during generation refunds exactly once', async () => {
    let generating!: () => void;
    const started = new Promise<void>((resolve) => (generating = resolve));
    const slow: GenerationProvider = {
      name: 'slow',
      async generate(_request, context) {
        generating();
        for (let i = 0; i < 100; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          context.heartbeat(i);
          if (context.signal.aborted) throw context.signal.reason;
        }
        return { text: 'too late', model: 'slow' };
      },
    };
    await system.startWorker(slow);
    const user = await system.userWith(100);
    const jobId = await start(user, 'long story');
    await started;
    const cancelled = await system.api('POST', `/api/generations/${encodeURIComponent(jobId)}/cancel`);
    expect(cancelled.status).toBe(202);
    const job = await system.settled(jobId);
    expect(job.status).toBe('cancelled');
    expect(await trail(jobId)).toMatchObject({ debitedAmount: 50, refundedAmount: 50 });
    const again = await system.api('POST', `/api/generations/${encodeURIComponent(jobId)}/cancel`);
    expect(again.status).toBe(409);
    const execution = await system.client.workflow.getHandle(jobId).describe();
    expect(execution.status.name).toBe('CANCELLED');
    expect((await system.api('GET', `/api/users/${user}`)).body.balance).toBe(100);
  });
});

describe('generation metrics', () => {
  it('reports jobs by status and ledger entries from the database', async () => {
    const system = await startGenerationSystem();
    try {
      const user = await system.userWith(100);
      const ok = await system.api('POST', '/api/generations', { userId: user, kind: 'story', prompt: 'fine' }, { 'idempotency-key': 'm1' });
      const bad = await system.api(
        'POST',
        '/api/generations',
        { userId: user, kind: 'story', prompt: '[fail]' },
        { 'idempotency-key': 'm2' },
      );
      await system.settled(ok.body.id);
      await system.settled(bad.body.id);
      const text = await (await fetch(`${system.baseUrl}/metrics`, { headers: { authorization: `Bearer ${testApiToken}` } })).text();
      expect(text).toContain('generation_jobs{status="completed"} 1');
      expect(text).toContain('generation_jobs{status="failed"} 1');
      expect(text).toContain('credit_ledger_entries{reason="refund"} 1');
      expect(text).toContain('credit_ledger_entries{reason="debit"} 2');
      expect(text).toMatch(/generation_duration_seconds_count\{kind="story",outcome="completed"\} \d+/);
    } finally {
      await system.stop();
    }
  });
});
