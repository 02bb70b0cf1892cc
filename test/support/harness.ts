import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client';
import { applyMigrations } from '../../src/db/migrate';
import { createDatabaseIfMissing } from '../../src/runtime/embedded-postgres';
import { ensureSearchAttributes } from '../../src/temporal/connection';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run through jest's global setup`);
  return value;
}

export const temporalAddress = () => required('TEST_TEMPORAL_ADDRESS');

/** A fresh database on the shared test server (migrated unless told not to), dropped by `drop()`. */
export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<{ db: Database; url: string; drop(): Promise<void> }> {
  const serverUrl = new URL(required('TEST_DATABASE_URL'));
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  await createDatabaseIfMissing(adminUrl.toString(), name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString(), { max: 20 });
  if (options.migrate !== false) await applyMigrations(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.$client.end();
      const admin = new pg.Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
      await admin.end();
    },
  };
}

/** A Temporal server as a test system uses it: a client, a connection for workers, and how to let go of them. */
export interface TestTemporal {
  client: Client;
  workerConnection: NativeConnection;
  close(): Promise<void>;
}

/** A client (with `dataConverter`, when payloads are encrypted) and a worker connection to the shared dev server. */
export async function connectTestTemporal(dataConverter?: DataConverter): Promise<TestTemporal> {
  const connection = await Connection.connect({ address: temporalAddress() });
  await ensureSearchAttributes(connection, 'default');
  const workerConnection = await NativeConnection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection, namespace: 'default', ...(dataConverter ? { dataConverter } : {}) }),
    workerConnection,
    async close() {
      await workerConnection.close();
      await connection.close();
    },
  };
}

/** A task queue no other test file polls. */
export function uniqueTaskQueue(name: string): string {
  return `${name}-${crypto.randomBytes(4).toString('hex')}`;
}
