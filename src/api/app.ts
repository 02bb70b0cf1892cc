import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import express, { type Express } from 'express';
import type { Database } from '../db/client';
import type { GenerationDeps } from '../generation/request';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { WebhookBotCache } from '../ingress/bot-cache';
import { webhookRouter } from '../ingress/webhook';
import type { Logger } from '../logger';
import { SimulatorSessions } from '../simulator/session';
import { simulatorRouter } from '../simulator/simulator';
import type { TelegramEmulator } from '../telegram-emulator';
import { auditRouter } from './audit';
import { baselineHeaders } from '../http/html-page';
import { bearerMatcher, FailedAuthLimiter, requireAnyBearerToken, requireBearerToken } from '../http/auth';
import { botSecretsRouter } from './bot-secrets';
import { botsRouter, type BotsDeps } from './bots';
import { chatEventsRouter } from './chat-events';
import { codecRouter } from './codec';
import { errorHandler, notFoundHandler } from '../http/errors';
import { executionsRouter } from './executions';
import { flowsRouter } from './flows';
import { generationsRouter } from './generations';
import { healthRouter } from './health';
import { metricsRouter } from './metrics';
import { docsRouter } from './docs';
import { sessionRouter } from './session';
import { studioRouter } from '../studio/router';
import { usersRouter } from './users';
import { paymentsRouter } from './payments';
import { requestLog } from './request-log';
import { traceRequests } from '../tracing';

export interface ApiDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  apiToken: string;
  /** A second token that may only read (GET). */
  readonlyToken?: string;
  rateLimitPerMinute: number;
  /** Live execution streams (SSE) one token may hold open at once. */
  maxStreamsPerToken: number;
  /** Wrong bearer tokens a client may present per minute before it gets 429. */
  authFailuresPerMinute: number;
  /** A token that may only scrape /metrics (API tokens may too). */
  metricsToken?: string;
  /** How often /metrics may re-read the database gauges. */
  metricsDatabaseRefreshMs: number;
  generations: Omit<GenerationDeps, 'db' | 'temporal'>;
  telegramTarget: DeliveryTarget;
  /** The webhook route's cache of bots (one is made when not given). */
  webhookBots?: WebhookBotCache;
  bots: Omit<BotsDeps, 'db'>;
  /** The payload codec (TEMPORAL_PAYLOAD_KEYS) served to the Temporal Web UI at /codec, and the UI origins allowed to call it. */
  codec?: { codec?: PayloadCodec; corsOrigins: string[]; sessionTtlMs: number };
  /** The chat simulator (`npm start` in local development, or SIMULATOR=on). */
  simulator?: { emulator: TelegramEmulator; temporalUiUrl?: string; namespace: string; sessionTtlMs: number };
  /** The Temporal Web UI the studio links executions to (TEMPORAL_UI_URL, or the embedded dev server's). */
  temporalUi?: { url: string; namespace: string };
}

/**
 * The internal HTTP API. Health is open (load balancers and orchestrators probe it) but tells
 * anonymous callers no internals; metrics need the metrics token or an API token; everything
 * under /api needs the bearer token.
 */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETags made up from bodies: the ones this API sends name a flow's draft revision (If-Match),
  // and one of Express's on an error answer would look like a revision to send back.
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set(baselineHeaders);
    next();
  });
  app.set('trust proxy', 'loopback');
  app.use(traceRequests());
  app.use(requestLog(deps.logger));
  // One budget of wrong guesses per client, whichever route a token is tried on.
  const failures = new FailedAuthLimiter(deps.authFailuresPerMinute);
  const apiTokenRole = bearerMatcher({ operator: deps.apiToken, readonly: deps.readonlyToken });
  const showsDetailsTo = (req: express.Request) => {
    if (!req.get('authorization') || failures.retryAfter(req) > 0) return false;
    if (apiTokenRole(req.get('authorization'))) return true;
    failures.failed(req);
    return false;
  };
  app.use(healthRouter({ ...deps, showsDetailsTo }));
  app.use(
    metricsRouter({
      db: deps.db,
      requireScraper: requireAnyBearerToken([deps.metricsToken, deps.apiToken, deps.readonlyToken], failures),
      databaseRefreshMs: deps.metricsDatabaseRefreshMs,
    }),
  );
  app.use(docsRouter());
  app.use(studioRouter({ log: (message, fields) => deps.logger.info(fields, message) }));
  app.use(
    codecRouter({
      codec: deps.codec?.codec,
      corsOrigins: deps.codec?.corsOrigins ?? [],
      sessionTtlMs: deps.codec?.sessionTtlMs ?? 8 * 3_600_000,
      apiToken: deps.apiToken,
      readonlyToken: deps.readonlyToken,
      failures,
    }),
  );
  // Shared with the bots and flows routes, which make it forget a bot they change.
  const webhookBots = deps.webhookBots ?? new WebhookBotCache(deps.db);
  app.use(webhookRouter({ db: deps.db, target: deps.telegramTarget, bots: webhookBots, logger: deps.logger }));

  const api = express.Router();
  // Authentication first: only a known token gets a request budget, so junk tokens create no
  // buckets; wrong ones are charged to their client.
  api.use(requireBearerToken({ operator: deps.apiToken, readonly: deps.readonlyToken }, { perMinute: deps.rateLimitPerMinute, failures }));
  api.use(express.json({ limit: '1mb' }));
  api.use(sessionRouter({ temporalUi: deps.temporalUi, simulator: deps.simulator !== undefined }));
  api.use(usersRouter(deps));
  api.use(generationsRouter({ ...deps.generations, db: deps.db, temporal: deps.temporal }));
  api.use(paymentsRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.generations.taskQueue }));
  api.use(botsRouter({ ...deps.bots, db: deps.db, webhookBots }));
  api.use(flowsRouter({ db: deps.db, webhookBots }));
  api.use(botSecretsRouter({ db: deps.db, cipher: deps.bots.cipher }));
  api.use(chatEventsRouter({ db: deps.db, telegramTarget: deps.telegramTarget }));
  api.use(auditRouter({ db: deps.db }));
  api.use(
    executionsRouter({
      db: deps.db,
      temporal: deps.temporal,
      generations: deps.generations,
      maxStreamsPerToken: deps.maxStreamsPerToken,
      telegramTarget: deps.telegramTarget,
    }),
  );
  app.use('/api', api);

  if (deps.simulator) {
    const sessions = new SimulatorSessions(deps.simulator.sessionTtlMs);
    app.use(simulatorRouter({ ...deps.simulator, db: deps.db, temporal: deps.temporal, apiToken: deps.apiToken, failures, sessions }));
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
