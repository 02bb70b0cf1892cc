import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database } from './client';

export const migrationsFolder = path.resolve(__dirname, '..', '..', 'drizzle');

/** Arbitrary constant naming the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_233_001;

/**
 * Applies the committed migrations that are not yet applied. Safe to call from every process at
 * start: an advisory lock makes concurrent starts (api and workers together) wait for each other.
 */
export async function applyMigrations(db: Database): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(db, { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
