import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import type { Config } from '../config';
import { createDatabase, type Database } from '../db/client';
import { providerFromConfig } from '../generation/providers';
import { generationSettings } from '../generation/request';
import { applyMigrations } from '../db/migrate';
import type { Logger } from '../logger';
import { ensureSearchAttributes } from '../temporal/connection';
import { createWorker } from '../workers/worker';
import type { Lifecycle } from './lifecycle';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  temporalAddress: string;
  databaseUrl: string;
  apiToken: string;
  runApi: boolean;
  runWorker: boolean;
}

export interface Services {
  db: Database;
  temporal: Client;
  apiUrl?: string;
}

/**
 * Connects to PostgreSQL (applying pending migrations) and Temporal, then starts the API and/or
 * the worker. Each piece registers its stop step, so shutdown unwinds in reverse: HTTP stops
 * taking requests, the worker drains, connections close.
 */
export async function startServices(options: ServiceOptions): Promise<Services> {
  const { config, logger, lifecycle } = options;

  const db = createDatabase(options.databaseUrl);
  lifecycle.onStop('database pool', () => db.$client.end());
  await applyMigrations(db);
  logger.info('database migrations applied');

  const connection = await Connection.connect({ address: options.temporalAddress });
  lifecycle.onStop('temporal client', () => connection.close());
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

  if (options.runWorker) {
    const workerConnection = await NativeConnection.connect({ address: options.temporalAddress });
    lifecycle.onStop('worker connection', () => workerConnection.close());
    const worker = await createWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: createActivities({ db, logger: logger.child({ component: 'activities' }), provider: providerFromConfig(config) }),
      logger,
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    });
    const running = worker.run();
    running.catch((err: unknown) => {
      logger.fatal({ err }, 'worker stopped unexpectedly');
      void lifecycle.shutdown('worker failure').then(() => process.exit(1));
    });
    lifecycle.onStop('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  }

  let apiUrl: string | undefined;
  if (options.runApi) {
    const app = createApp({
      db,
      temporal,
      logger: logger.child({ component: 'api' }),
      apiToken: options.apiToken,
      generations: generationSettings(config),
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    apiUrl = `http://127.0.0.1:${port}`;
    lifecycle.onStop('http server', () => closeServer(server));
    logger.info({ url: apiUrl }, 'API listening');
  }
  return { db, temporal, apiUrl };
}

/** Stops accepting connections, lets in-flight requests finish, then drops idle keep-alives. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
