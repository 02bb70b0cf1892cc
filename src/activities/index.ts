import type { Config } from '../config';
import type { Database } from '../db/client';
import type { GenerationProvider } from '../generation/provider';
import type { Logger } from '../logger';
import type { TelegramGateway } from '../telegram/gateway';
import type { TokenCipher } from '../bots/token-cipher';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { createChatActivities } from './chat';
import { createGenerationActivities } from './generation';
import { createPaymentRefundActivities } from './payment-refund';

export interface ActivityDeps {
  db: Database;
  logger: Logger;
  provider: GenerationProvider;
  telegram: TelegramGateway;
  cipher: TokenCipher;
  config: Config;
  /** Where chat workflows run: jobs tell their chat the outcome (absent: such jobs cannot). */
  chats?: DeliveryTarget;
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createGenerationActivities(deps),
    ...createChatActivities(deps),
    ...createPaymentRefundActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
