import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { topUp } from '../../src/credits/ledger';
import { creditLedger, users } from '../../src/db/schema';
import { createTestDatabase } from '../support/harness';

/** The invariant check is what ops run after an incident: it must catch what went wrong. */
describe('npm run check:ledger', () => {
  const run = (databaseUrl: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/entrypoints/check-ledger.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('passes on consistent books and lists each offender otherwise', async () => {
    const database = await createTestDatabase();
    await database.db.insert(users).values([{ id: 'honest' }, { id: 'tampered' }]);
    await topUp(database.db, 'honest', 100, 'k1');
    await topUp(database.db, 'tampered', 100, 'k1');

    const ok = run(database.url);
    expect(ok.stdout).toContain('ledger ok');
    expect(ok.status).toBe(0);

    // A ledger row written without its balance change, and a debit for a job that does not exist.
    await database.db.insert(creditLedger).values({ userId: 'tampered', amount: -30, reason: 'debit', entryKey: 'forged' });
    await database.db.$client.query(
      `insert into generation_jobs (id, user_id, kind, prompt, cost, status, idempotency_key, request_hash)
       values ('job-1', 'honest', 'story', 'p', 50, 'completed', 'k', 'h')`,
    );
    const failed = run(database.url);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('balance-mismatch: user tampered: balance 100 but ledger sums to 70');
    expect(failed.stdout).toContain('job-money-trail: job job-1: status completed, cost 50: 0 debit(s)');
    expect(failed.stdout).not.toContain('user honest');
    await database.drop();
  });
});
