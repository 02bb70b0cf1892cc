/**
 * `npm run check:ledger`: verifies the money invariant against DATABASE_URL (or the embedded
 * PostgreSQL under DATA_DIR, when it is running). Exits 1 and lists every offender when it fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { checkLedger } from '../credits/check';
import { createDatabase } from '../db/client';

async function main(): Promise<number> {
  const config = loadConfig();
  const url = config.DATABASE_URL ?? embeddedUrl(config.DATA_DIR, config.POSTGRES_PORT);
  const db = createDatabase(url, { max: 1 });
  try {
    const problems = await checkLedger(db);
    if (problems.length === 0) {
      process.stdout.write('ledger ok: every balance equals its ledger; every job has one debit, and a refund iff it did not complete\n');
      return 0;
    }
    for (const problem of problems) process.stdout.write(`${problem.kind}: ${problem.subject}: ${problem.detail}\n`);
    process.stdout.write(`ledger check failed: ${problems.length} problem(s)\n`);
    return 1;
  } finally {
    await db.$client.end();
  }
}

function embeddedUrl(dataDir: string, port: number): string {
  const passwordFile = path.resolve(dataDir, 'postgres.password');
  if (!fs.existsSync(passwordFile)) throw new Error(`DATABASE_URL is not set and there is no embedded PostgreSQL under ${dataDir}`);
  return `postgres://postgres:${encodeURIComponent(fs.readFileSync(passwordFile, 'utf8').trim())}@127.0.0.1:${port}/bots`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ledger check could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
