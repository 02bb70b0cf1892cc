import type { Config } from '../config';
import type { Database } from '../db/client';
import type { TokenCipher } from '../bots/token-cipher';
import type { Logger } from '../logger';
import type { TelegramGateway } from '../telegram/gateway';
import { createChatStateActivities } from './chat/chat-state';
import { createFlowVersionActivities, flowVersionCache } from './chat/flow-versions';
import { createHttpNodeActivities } from './chat/http-node';
import { createObservationActivities } from './chat/observations';
import { createPaidGenerationActivities } from './chat/paid-generations';
import { createPurchaseActivities } from './chat/purchases';
import { createScopedVariableActivities } from './chat/scoped-variables';
import { createTelegramSendActivities } from './chat/telegram-sends';

export type { ScopedVariable } from './chat/scoped-variables';

export interface ChatActivityDeps {
  db: Database;
  logger: Logger;
  telegram: TelegramGateway;
  /** Decrypts flow secrets for HTTP nodes. */
  cipher: TokenCipher;
  config: Pick<
    Config,
    | 'HTTP_NODE_ALLOWLIST'
    | 'GENERATION_PRICES'
    | 'TEMPORAL_TASK_QUEUE'
    | 'GENERATION_HEARTBEAT_TIMEOUT_MS'
    | 'GENERATION_ATTEMPT_TIMEOUT_MS'
    | 'GENERATION_MAX_ATTEMPTS'
  >;
}

/**
 * The chat workflow's side effects, one file per concept in ./chat/. All are idempotent or
 * harmless to repeat, since a local activity may run again when its workflow task is retried.
 * The worker registers them by these names, which recorded histories hold: never rename one.
 */
export function createChatActivities(deps: ChatActivityDeps) {
  // One cache for the worker's lifetime, shared by the activities that read flow versions.
  const version = flowVersionCache(deps.db);
  return {
    ...createFlowVersionActivities({ db: deps.db, version }),
    ...createChatStateActivities({ db: deps.db, logger: deps.logger, version }),
    ...createScopedVariableActivities(deps),
    ...createTelegramSendActivities(deps),
    ...createObservationActivities(deps),
    ...createHttpNodeActivities(deps),
    ...createPaidGenerationActivities(deps),
    ...createPurchaseActivities(deps),
  };
}

export type ChatActivities = ReturnType<typeof createChatActivities>;
