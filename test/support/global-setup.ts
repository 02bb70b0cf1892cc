import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres';
import { startEmbeddedTemporal } from '../../src/runtime/embedded-temporal';
import { freePort } from './ports';

/** Events after which the test server suggests continue-as-new (default 4,096), so tests reach it. */
export const TEST_CONTINUE_AS_NEW_EVENTS = 200;

/**
 * One embedded PostgreSQL and one Temporal dev server for the whole integration run; each test
 * file gets its own database and task queue (test/support/harness.ts), so files stay isolated.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-test-'));
  fs.chmodSync(dataDir, 0o755);
  const logger = createLogger('warn', 'test-infra');
  const [temporal, postgres] = await Promise.all([
    startEmbeddedTemporal({
      dataDir,
      namespace: 'default',
      port: await freePort(),
      uiPort: await freePort(),
      logger,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': TEST_CONTINUE_AS_NEW_EVENTS },
    }),
    startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bots', logger }),
  ]);
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_DATABASE_URL = postgres.url;
  (globalThis as { __testInfra?: { stop(): Promise<void>; dataDir: string } }).__testInfra = {
    dataDir,
    async stop() {
      await temporal.stop();
      await postgres.stop();
    },
  };
}
