import { checkLedger } from '../../src/credits/check';
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
