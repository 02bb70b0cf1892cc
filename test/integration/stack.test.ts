import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createDatabase } from '../../src/db/client';
import { users } from '../../src/db/schema';
import { embeddedStackEnv, pidAlive, readPid, startSystem, type RunningSystem } from '../support/system-process';
import { createUserNow, createUserWhenSignalled, proceed, type ProbeActivities } from '../support/workflows/probe';

/**
 * `npm start` as a newcomer runs it: a real process tree with the embedded Temporal dev server
 * and PostgreSQL under DATA_DIR, stopped with a signal and started again on the same data.
 */
describe('the embedded stack (npm start)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let system: RunningSystem | undefined;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-stack-'));
    fs.chmodSync(dataDir, 0o755);
    env = {
      ...(await embeddedStackEnv(dataDir)),
      LOG_LEVEL: 'info',
    };
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../support/workflows/probe'), logger: quietBundlerLogger });
  });

  afterAll(async () => {
    await system?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (route: string, headers: Record<string, string> = {}) => fetch(`${system!.apiUrl}${route}`, { headers });
  const databaseUrl = () =>
    `postgres://postgres:${encodeURIComponent(fs.readFileSync(path.join(dataDir, 'postgres.password'), 'utf8'))}@127.0.0.1:${env.POSTGRES_PORT}/bots`;

  /** Runs `fn` with a worker for the probe workflows, connected to the system's Temporal. */
  async function withProbeWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const db = createDatabase(databaseUrl());
    const activities: ProbeActivities = {
      async createUser(id) {
        await db.insert(users).values({ id }).onConflictDoNothing();
      },
    };
    const address = `127.0.0.1:${env.TEMPORAL_PORT}`;
    const connection = await Connection.connect({ address });
    const workerConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({ connection: workerConnection, taskQueue: 'probe', workflowBundle: bundle, activities });
    try {
      return await worker.runUntil(fn(new Client({ connection }), 'probe'));
    } finally {
      await workerConnection.close();
      await connection.close();
      await db.$client.end();
    }
  }

  it('starts Temporal, its Web UI and PostgreSQL, and reports both ready', async () => {
    system = await startSystem(env);
    expect(system.output()).toContain(`Temporal Web UI http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);

    const ready = await api('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { temporal: { ok: true }, postgres: { ok: true } } });
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);
  });

  it('keeps the internal API behind the bearer token, and health open', async () => {
    expect((await api('/healthz')).status).toBe(200);
    expect((await api('/api/users')).status).toBe(401);
    const wrong = await api('/api/users', { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } });
    expect((await api('/api/nothing-here', { authorization: `Bearer ${system!.apiToken}` })).status).toBe(404);
    // What the studio learns of `npm start`: the embedded Web UI to link to, and the simulator.
    const session = await api('/api/session', { authorization: `Bearer ${system!.apiToken}` });
    expect(await session.json()).toEqual({
      role: 'operator',
      temporalUi: { url: `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`, namespace: 'default' },
      simulator: true,
    });
  });

  it('runs a workflow through the real Temporal server that writes through an activity to PostgreSQL', async () => {
    await withProbeWorker(async (client, taskQueue) => {
      const result = await client.workflow.execute(createUserNow, { taskQueue, workflowId: 'probe-now', args: ['alice'] });
      expect(result).toBe('alice');
    });
    const db = createDatabase(databaseUrl());
    expect(await db.select().from(users).where(eq(users.id, 'alice'))).toHaveLength(1);
    await db.$client.end();
  });

  it('stops on SIGTERM with no server left running, and keeps rows and workflows for the next start', async () => {
    await withProbeWorker(async (client, taskQueue) => {
      await client.workflow.start(createUserWhenSignalled, { taskQueue, workflowId: 'probe-across-restart', args: ['bob'] });
    });
    const temporalPid = readPid(path.join(dataDir, 'temporal.pid'));
    const postgresPid = readPid(path.join(dataDir, 'postgres.pid'));

    expect(await system!.stop('SIGTERM')).toBe(0);
    system = undefined;
    expect(pidAlive(temporalPid)).toBe(false);
    expect(pidAlive(postgresPid)).toBe(false);

    system = await startSystem(env);
    expect(system.output()).not.toContain('initialising embedded PostgreSQL cluster');
    const db = createDatabase(databaseUrl());
    expect(await db.select().from(users).where(eq(users.id, 'alice'))).toHaveLength(1);
    await db.$client.end();

    await withProbeWorker(async (client) => {
      const handle = client.workflow.getHandle('probe-across-restart');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.signal(proceed);
      expect(await handle.result()).toBe('bob');
    });
  });

  it('takes its embedded servers down with it even when killed with SIGKILL', async () => {
    const temporalPid = readPid(path.join(dataDir, 'temporal.pid'));
    const postgresPid = readPid(path.join(dataDir, 'postgres.pid'));
    expect(await system!.stop('SIGKILL')).toBeNull();
    system = undefined;
    // No exit hook runs on SIGKILL: only the guards can stop the servers. Wait for them (bounded).
    for (let i = 0; i < 300 && (pidAlive(temporalPid) || pidAlive(postgresPid)); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pidAlive(temporalPid)).toBe(false);
    expect(pidAlive(postgresPid)).toBe(false);
  });
});

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
