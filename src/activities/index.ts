import type { Database } from '../db/client';
import type { Logger } from '../logger';

export interface ActivityDeps {
  db: Database;
  logger: Logger;
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
