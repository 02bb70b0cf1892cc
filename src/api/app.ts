import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Database } from '../db/client';
import type { GenerationDeps } from '../generation/request';
import type { DeliveryTarget } from '../ingress/deliver';
import { webhookRouter } from '../ingress/webhook';
import type { Logger } from '../logger';
import { simulatorRouter } from '../simulator/simulator';
import type { TelegramEmulator } from '../telegram-emulator';
import { auditRouter } from './audit';
import { bearerMatcher, rateLimitPerToken, requireAnyBearerToken, requireBearerToken } from './auth';
import { botsRouter, type BotsDeps } from './bots';
import { errorHandler, notFoundHandler } from './errors';
import { executionsRouter } from './executions';
import { flowsRouter } from './flows';
import { generationsRouter } from './generations';
import { healthRouter } from './health';
import { metricsRouter } from './metrics';
import { openApiRouter } from './openapi';
import { usersRouter } from './users';
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
  /** A token that may only scrape /metrics (API tokens may too). */
  metricsToken?: string;
  /** How often /metrics may re-read the database gauges. */
  metricsDatabaseRefreshMs: number;
  generations: Omit<GenerationDeps, 'db' | 'temporal'>;
  telegramTarget: DeliveryTarget;
  bots: Omit<BotsDeps, 'db'>;
  /** The chat simulator (`npm start` outside production). */
  simulator?: { emulator: TelegramEmulator; temporalUiUrl?: string; namespace: string };
}

/**
 * The internal HTTP API. Health is open (load balancers and orchestrators probe it) but tells
 * anonymous callers no internals; metrics need the metrics token or an API token; everything
 * under /api needs the bearer token.
 */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(traceRequests());
  app.use(requestLog(deps.logger));
  const apiTokenRole = bearerMatcher({ operator: deps.apiToken, readonly: deps.readonlyToken });
  app.use(healthRouter({ ...deps, showsDetailsTo: (req) => apiTokenRole(req.get('authorization')) !== undefined }));
  app.use(
    metricsRouter({
      db: deps.db,
      requireScraper: requireAnyBearerToken([deps.metricsToken, deps.apiToken, deps.readonlyToken]),
      databaseRefreshMs: deps.metricsDatabaseRefreshMs,
    }),
  );
  app.use(openApiRouter());
  app.use(webhookRouter({ db: deps.db, target: deps.telegramTarget }));

  const api = express.Router();
  api.use(rateLimitPerToken(deps.rateLimitPerMinute));
  api.use(requireBearerToken({ operator: deps.apiToken, readonly: deps.readonlyToken }));
  api.use(express.json({ limit: '1mb' }));
  api.use(usersRouter(deps));
  api.use(generationsRouter({ ...deps.generations, db: deps.db, temporal: deps.temporal }));
  api.use(botsRouter({ ...deps.bots, db: deps.db }));
  api.use(flowsRouter({ db: deps.db }));
  api.use(auditRouter({ db: deps.db }));
  api.use(executionsRouter({ db: deps.db, temporal: deps.temporal, generations: deps.generations }));
  app.use('/api', api);

  if (deps.simulator) app.use(simulatorRouter({ ...deps.simulator, db: deps.db, apiToken: deps.apiToken }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
