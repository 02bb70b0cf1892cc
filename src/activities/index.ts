import type { Database } from '../db/client';
import type { GenerationProvider } from '../generation/provider';
import type { Logger } from '../logger';
import { createGenerationActivities } from './generation';

export interface ActivityDeps {
  db: Database;
  logger: Logger;
  provider: GenerationProvider;
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createGenerationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
