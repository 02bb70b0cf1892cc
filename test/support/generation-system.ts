import http from 'node:http';
import { chatMetricsSinks } from '../../src/workers/chat-metrics-sinks';
import { workflowBundleOptions } from '../../src/workers/workflow-bundle';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TokenCipher } from '../../src/bots/token-cipher';
import { loadConfig, type Config } from '../../src/config';
import { topUp } from '../../src/credits/ledger';
import type { Database } from '../../src/db/client';
import { createFakeProvider } from '../../src/generation/fake-provider';
import type { GenerationProvider } from '../../src/generation/provider';
import { createLogger } from '../../src/logger';
import { activitiesFor, appFor, deliveryTarget } from '../../src/app/services';
import { Ingress } from '../../src/ingress/ingress';
import { dataConverterFromConfig } from '../../src/temporal/payload-codec';
import { connectTestTemporal, createTestDatabase, uniqueTaskQueue, type TestTemporal } from './harness';

export const testApiToken = 'test-token-0123456789abcdef';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The project's workflows, bundled once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    ...workflowBundleOptions(false),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
  });
  return bundle;
}

export interface GenerationSystem {
  db: Database;
  databaseUrl: string;
  config: Config;
  cipher: TokenCipher;
  /** The ingress the API tells about bots; not started until a test starts it. */
  ingress: Ingress;
  client: Client;
  taskQueue: string;
  baseUrl: string;
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Creates a user holding `credits`. */
  userWith(credits: number, id?: string): Promise<string>;
  /** Polls the API until the job reaches a terminal status. */
  settled(jobId: string): Promise<any>;
  /** A worker on the system's task queue; `dataConverter` replaces the configuration's (payload key rotation). */
  startWorker(provider?: GenerationProvider, dataConverter?: DataConverter): Promise<Worker & { done: Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * The API and (optionally) a worker of the real project code against the shared test Temporal and
 * a fresh database, with a short heartbeat timeout so stalls are noticed within seconds.
 */
export async function startGenerationSystem(
  options: {
    env?: Record<string, string>;
    worker?: boolean;
    provider?: GenerationProvider;
    logLines?: string[];
    /** Another Temporal server than the shared dev server (the time-skipping test server); closed by `stop()`. */
    temporal?: TestTemporal;
  } = {},
): Promise<GenerationSystem> {
  const database = await createTestDatabase();
  const taskQueue = uniqueTaskQueue('generations');
  // The server listens first, so that PUBLIC_URL (for webhooks) is known when the app is made.
  const server = http.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig(
    {
      GENERATION_HEARTBEAT_TIMEOUT_MS: '2000',
      GENERATION_MAX_ATTEMPTS: '3',
      BOT_TOKEN_KEY: 'test-bot-token-key-0123456789',
      PUBLIC_URL: baseUrl,
      ...options.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
    '/nonexistent/.env',
  );
  // Clients and workers share the data converter of the configuration, as in production.
  const dataConverter = dataConverterFromConfig(config);
  const temporal = options.temporal ?? (await connectTestTemporal(dataConverter));
  // With `logLines`, everything the API, ingress and activities log (debug and up) is kept there.
  const logger = options.logLines
    ? createLogger('debug', 'test', { write: (line: string) => void options.logLines!.push(line) })
    : createLogger('silent');
  const cipher = new TokenCipher(config.BOT_TOKEN_KEY as string);
  const ingress = new Ingress({ db: database.db, cipher, config, target: deliveryTarget(temporal.client, config), logger });
  server.on('request', appFor({ db: database.db, temporal: temporal.client, config, logger, apiToken: testApiToken, cipher, ingress }));
  const workers: (Worker & { done: Promise<void> })[] = [];

  const system: GenerationSystem = {
    db: database.db,
    databaseUrl: database.url,
    config,
    cipher,
    ingress,
    client: temporal.client,
    taskQueue,
    baseUrl,
    async api(method, route, body, headers = {}) {
      const response = await fetch(`${baseUrl}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${testApiToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async userWith(credits, id = `user-${Math.random().toString(36).slice(2, 10)}`) {
      const created = await system.api('POST', '/api/users', { id });
      if (created.status !== 201) throw new Error(`could not create user: ${JSON.stringify(created.body)}`);
      if (credits > 0) await topUp(database.db, id, credits, 'initial');
      return id;
    },
    async settled(jobId) {
      for (let i = 0; i < 600; i++) {
        const { body } = await system.api('GET', `/api/generations/${encodeURIComponent(jobId)}`);
        if (body && ['completed', 'failed', 'cancelled', 'rejected'].includes(body.status)) return body;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`job ${jobId} did not settle`);
    },
    async startWorker(provider, workerConverter = dataConverter) {
      const worker = await Worker.create({
        connection: temporal.workerConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: activitiesFor({
          db: database.db,
          config,
          logger,
          cipher,
          temporal: temporal.client,
          provider: provider ?? options.provider ?? createFakeProvider({ latencyMs: 0, failureRate: 0 }),
        }),
        sinks: chatMetricsSinks,
        ...(workerConverter ? { dataConverter: workerConverter } : {}),
        shutdownGraceTime: '1s',
      });
      const running = Object.assign(worker, { done: worker.run() });
      workers.push(running);
      return running;
    },
    async stop() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await worker.done.catch(() => undefined);
      }
      await ingress.stop();
      await new Promise((resolve) => server.close(resolve));
      await temporal.close();
      await database.drop();
    },
  };
  if (options.worker !== false) await system.startWorker();
  return system;
}
