import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startInfra, type Infra } from '../../src/runtime/infra';
import { freePort } from './ports';

/**
 * One embedded PostgreSQL and one Temporal dev server for the whole integration run; each test
 * file gets its own database and task queue (test/support/harness.ts), so files stay isolated.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-test-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig(
    {
      DATA_DIR: dataDir,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      POSTGRES_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    },
    '/nonexistent/.env',
  );
  const infra = await startInfra(config, createLogger('warn', 'test-infra'));
  process.env.TEST_TEMPORAL_ADDRESS = infra.temporalAddress;
  process.env.TEST_DATABASE_URL = infra.databaseUrl;
  (globalThis as { __testInfra?: { infra: Infra; dataDir: string } }).__testInfra = { infra, dataDir };
}
