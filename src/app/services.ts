import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createApp, type ApiDeps } from '../api/app';
import type { Config } from '../config';
import { createDatabase, type Database } from '../db/client';
import { providerFromConfig } from '../generation/providers';
import { generationSettings } from '../generation/request';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { Ingress } from '../ingress/ingress';
import { WebhookBotCache } from '../ingress/bot-cache';
import { BotChanges } from '../bots/bot-changes';
import type { GenerationProvider } from '../generation/provider';
import { outdatedActiveVersions } from '../bots/registry';
import { reencryptStoredSecrets } from '../bots/reencrypt';
import { TokenCipher } from '../bots/token-cipher';
import { gatewayFromConfig } from '../telegram/gateway';
import { resolveBotTokenKey } from '../runtime/local-secrets';
import { applyMigrations } from '../db/migrate';
import type { Logger } from '../logger';
import { ensureSearchAttributes, registersSearchAttributes, requiredSearchAttributes } from '../temporal/connection';
import { describeConnection, temporalConnectionOptions } from '../temporal/connection-options';
import { dataConverterFromConfig, payloadCodecFromConfig } from '../temporal/payload-codec';
import { createWorker } from '../workers/worker';
import { startWorkerMetricsServer } from '../workers/metrics-server';
import type { Lifecycle } from '../runtime/lifecycle';
import { startTracing } from '../tracing';
import type { Simulator } from '../simulator/simulator';
import { httpUrl } from '../http/url-host';
import { bootstrapBot } from './bootstrap-bot';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  temporalAddress: string;
  databaseUrl: string;
  apiToken: string;
  runApi: boolean;
  runWorker: boolean;
  /** The chat simulator, when this process runs it (`npm start` outside production). */
  simulator?: Simulator;
  temporalUiUrl?: string;
}

export interface Services {
  db: Database;
  temporal: Client;
  apiUrl?: string;
}

/** The worker's activities, wired as in production (tests pass their own provider). */
export function activitiesFor(deps: {
  db: Database;
  config: Config;
  logger: Logger;
  cipher: TokenCipher;
  temporal?: Client;
  provider?: GenerationProvider;
  simulatorApiRoot?: string;
  /** When given, the Telegram clients kept for bots are dropped as soon as a bot changes. */
  botChanges?: BotChanges;
}) {
  const { db, config, cipher } = deps;
  const telegram = gatewayFromConfig(db, cipher, config, deps.simulatorApiRoot);
  deps.botChanges?.onChange((botId) => telegram.forget(botId));
  return createActivities({
    db,
    logger: deps.logger.child({ component: 'activities' }),
    provider: deps.provider ?? providerFromConfig(config),
    telegram,
    cipher,
    ...(deps.temporal ? { chats: deliveryTarget(deps.temporal, config) } : {}),
    config,
  });
}

/** The API app, wired as in production. */
export function appFor(deps: {
  db: Database;
  temporal: Client;
  config: Config;
  logger: Logger;
  apiToken: string;
  cipher: TokenCipher;
  ingress?: Ingress;
  webhookBots?: WebhookBotCache;
  simulator?: ApiDeps['simulator'];
  /** The Web UI of the embedded Temporal dev server: it may always call the codec endpoint. */
  temporalUiUrl?: string;
}) {
  const { db, temporal, config } = deps;
  const temporalUiUrl = config.TEMPORAL_UI_URL ?? deps.temporalUiUrl;
  return createApp({
    db,
    temporal,
    logger: deps.logger.child({ component: 'api' }),
    apiToken: deps.apiToken,
    readonlyToken: config.API_READONLY_TOKEN,
    rateLimitPerMinute: config.API_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: config.API_AUTH_FAILURES_PER_MINUTE,
    maxStreamsPerToken: config.API_MAX_STREAMS_PER_TOKEN,
    metricsToken: config.METRICS_TOKEN,
    metricsDatabaseRefreshMs: config.METRICS_DB_REFRESH_SECONDS * 1000,
    generations: generationSettings(config),
    telegramTarget: deliveryTarget(temporal, config),
    webhookBots: deps.webhookBots,
    bots: {
      cipher: deps.cipher,
      apiRoot: config.TELEGRAM_API_ROOT,
      publicUrl: config.PUBLIC_URL,
      ingress: deps.ingress,
      simulatorRunning: deps.ingress?.hasSimulator ?? false,
    },
    simulator: deps.simulator,
    temporalUi: temporalUiUrl ? { url: temporalUiUrl, namespace: config.TEMPORAL_NAMESPACE } : undefined,
    codec: {
      codec: payloadCodecFromConfig(config),
      corsOrigins: [...config.TEMPORAL_CODEC_CORS_ORIGINS, ...(deps.temporalUiUrl ? [deps.temporalUiUrl] : [])],
      sessionTtlMs: config.TEMPORAL_CODEC_SESSION_MINUTES * 60_000,
    },
  });
}

export function deliveryTarget(temporal: Client, config: Config): DeliveryTarget {
  return { temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, floodLimitPerMinute: config.FLOOD_LIMIT_PER_MINUTE };
}

/**
 * Connects to PostgreSQL (applying pending migrations) and Temporal, then starts the API and/or
 * the worker. Each piece registers its stop step, so shutdown unwinds in reverse: HTTP stops
 * taking requests, the worker drains, connections close.
 */
export async function startServices(options: ServiceOptions): Promise<Services> {
  const { config, logger, lifecycle } = options;
  // Read first: a missing certificate file or a bad key list stops the start before anything else.
  const connectionOptions = temporalConnectionOptions(config, options.temporalAddress);
  const dataConverter = dataConverterFromConfig(config);

  const db = createDatabase(options.databaseUrl);
  lifecycle.onStop('database pool', () => db.$client.end());
  await applyMigrations(db);
  logger.info('database migrations applied');
  for (const outdated of await outdatedActiveVersions(db)) {
    logger.warn(
      { botId: outdated.botId, flowId: outdated.flowId, version: outdated.version, problems: outdated.problems.map((p) => p.message) },
      'an active flow version no longer passes validation (see docs/flows.md); publish a fixed version',
    );
  }

  const cipher = new TokenCipher(resolveBotTokenKey(config, logger));
  const reencrypted = await reencryptStoredSecrets(db, cipher);
  if (reencrypted > 0) logger.info({ bots: reencrypted }, 'stored bot secrets re-encrypted in the current format');

  // Registered before the worker, so it stops after it: the last spans are flushed once the worker drained.
  const tracing = startTracing(config, logger);
  if (tracing) lifecycle.onStop('tracing', () => tracing.shutdown());

  logger.info(
    { ...describeConnection(connectionOptions), namespace: config.TEMPORAL_NAMESPACE, payloadEncryption: Boolean(dataConverter) },
    'connecting to Temporal',
  );
  if (!dataConverter && connectionOptions.apiKey !== undefined)
    logger.warn(
      'TEMPORAL_PAYLOAD_KEYS is unset: messages, variables and prompts are stored in Temporal Cloud in plain text; set it to encrypt them',
    );
  const connection = await Connection.connect(connectionOptions);
  lifecycle.onStop('temporal client', () => connection.close());
  if (registersSearchAttributes(config)) {
    try {
      await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
    } catch (err) {
      throw new Error(
        `registering the search attributes ${requiredSearchAttributes.join(', ')} in namespace ${config.TEMPORAL_NAMESPACE} failed: ${String(err)}. ` +
          'Where the operator API is not open to this process (Temporal Cloud), create them once yourself and set TEMPORAL_REGISTER_SEARCH_ATTRIBUTES=off',
        { cause: err },
      );
    }
  } else
    logger.info(
      { namespace: config.TEMPORAL_NAMESPACE, searchAttributes: requiredSearchAttributes },
      'search attributes are not registered by this process (TEMPORAL_REGISTER_SEARCH_ATTRIBUTES); the namespace must have them',
    );
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(dataConverter ? { dataConverter } : {}),
    ...(tracing ? { interceptors: tracing.clientInterceptors } : {}),
  });

  // Bot changes made by any process (another API replica, a worker's start) reach this one.
  const botChanges = new BotChanges(options.databaseUrl, logger.child({ component: 'bot-changes' }));
  await botChanges.start();
  lifecycle.onStop('bot change listener', () => botChanges.stop());

  if (options.runWorker) {
    const workerConnection = await NativeConnection.connect(connectionOptions);
    lifecycle.onStop('worker connection', () => workerConnection.close());
    const worker = await createWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: activitiesFor({ db, config, logger, cipher, temporal, simulatorApiRoot: options.simulator?.apiRoot, botChanges }),
      logger,
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      deployment:
        config.WORKER_DEPLOYMENT_NAME && config.WORKER_BUILD_ID
          ? { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID }
          : undefined,
      dataConverter,
      ...(tracing ? { tracedWorkflows: true, interceptors: tracing.workerInterceptors, sinks: tracing.workerSinks } : {}),
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
    if (!options.runApi && config.WORKER_METRICS_PORT !== undefined) {
      // Without an API in this process, nothing else would serve the worker's own metrics.
      const metrics = await startWorkerMetricsServer(
        config.WORKER_METRICS_PORT,
        () => worker.getState() === 'RUNNING',
        config.METRICS_TOKEN,
      );
      lifecycle.onStop('worker metrics', () => metrics.close());
      logger.info({ url: `${metrics.url}/metrics` }, 'worker metrics listening');
    }
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  }

  let apiUrl: string | undefined;
  if (options.runApi) {
    // The Telegram ingress lives with the API: its webhook route is served by the same server,
    // and bots registered through the API start receiving at once.
    const { simulator } = options;
    const ingress = new Ingress({
      db,
      cipher,
      config,
      target: deliveryTarget(temporal, config),
      logger: logger.child({ component: 'ingress' }),
      simulator,
    });
    const webhookBots = new WebhookBotCache(db);
    botChanges.onChange((botId) => {
      webhookBots.forget(botId);
      return ingress.changed(botId);
    });
    const app = appFor({
      db,
      temporal,
      config,
      logger,
      apiToken: options.apiToken,
      cipher,
      ingress,
      webhookBots,
      temporalUiUrl: options.temporalUiUrl,
      simulator: simulator && {
        emulator: simulator.emulator,
        temporalUiUrl: options.temporalUiUrl,
        namespace: config.TEMPORAL_NAMESPACE,
        sessionTtlMs: config.SIMULATOR_SESSION_MINUTES * 60_000,
      },
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.API_HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    apiUrl = httpUrl(config.API_HOST, port);
    lifecycle.onStop('http server', () => closeServer(server));
    logger.info({ url: apiUrl }, 'API listening');

    await bootstrapBot({ db, cipher, config, logger, simulator });
    await ingress.start();
    lifecycle.onStop('telegram ingress', () => ingress.stop());
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
