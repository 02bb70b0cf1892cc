import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../src/db/client';
import { applyMigrations } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/runtime/embedded-postgres';
import { freePort } from '../support/ports';

const root = path.resolve(__dirname, '..', '..');

/**
 * deploy/postgres-init.sh (the compose postgres service's init script) run against a real,
 * empty PostgreSQL of the version the compose file pins. There is no psql here, so the test does
 * what psql would: it takes the script's SQL and substitutes its `:'variable'` literals with the
 * environment the script maps them from.
 */
describe('deploy/postgres-init.sh', () => {
  let dataDir: string;
  let server: EmbeddedPostgres;
  const env = { APP_DB_PASSWORD: "app pass with ' quote", TEMPORAL_DB_PASSWORD: 'temporal-pass' };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-init-sql-'));
    fs.chmodSync(dataDir, 0o755);
    server = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres', logger: createLogger('warn', 'test') });
    const script = fs.readFileSync(path.join(root, 'deploy', 'postgres-init.sh'), 'utf8');
    const sql = /<<'SQL'\n([\s\S]*?)\nSQL\n/.exec(script)?.[1];
    const variables = Object.fromEntries([...script.matchAll(/-v (\w+)="\$(\w+)"/g)].map((m) => [m[1], m[2] as keyof typeof env]));
    expect(sql).toBeDefined();
    expect(Object.values(variables).sort()).toEqual(Object.keys(env).sort());
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const substituted = (sql as string).replace(/:'(\w+)'/g, (_m, name: string) =>
        admin.escapeLiteral(env[variables[name] as keyof typeof env]),
      );
      for (const statement of substituted.split(/;\s*\n/).filter((s) => s.replace(/--.*$/gm, '').trim())) await admin.query(statement);
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function url(user: string, password: string, database: string): string {
    const address = new URL(server.url);
    address.username = user;
    address.password = encodeURIComponent(password);
    address.pathname = `/${database}`;
    return address.toString();
  }

  async function as(user: string, password: string, database: string, sql: string): Promise<unknown> {
    const client = new pg.Client({ connectionString: url(user, password, database) });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('lets each role create tables in its own databases (what migrations and temporal-sql-tool do)', async () => {
    const logins = [
      ['bots', env.APP_DB_PASSWORD, 'bots'],
      ['temporal', env.TEMPORAL_DB_PASSWORD, 'temporal'],
      ['temporal', env.TEMPORAL_DB_PASSWORD, 'temporal_visibility'],
    ] as const;
    for (const [user, password, database] of logins) {
      await as(user, password, database, 'create table t (x int)');
      expect(await as(user, password, database, 'insert into t values (1) returning x, current_user as who')).toEqual([
        { x: 1, who: user },
      ]);
    }
  });

  it("lets the application's role apply the application's migrations", async () => {
    const db = createDatabase(url('bots', env.APP_DB_PASSWORD, 'bots'));
    try {
      await applyMigrations(db);
    } finally {
      await db.$client.end();
    }
    const owners = (await as(
      'bots',
      env.APP_DB_PASSWORD,
      'bots',
      "select tableowner, count(*)::int as n from pg_tables where schemaname = 'public' group by tableowner",
    )) as { tableowner: string; n: number }[];
    expect(owners).toEqual([{ tableowner: 'bots', n: expect.any(Number) }]);
    expect(owners[0]?.n).toBeGreaterThan(3);
  });

  it("keeps each role out of the other's databases, and neither is a superuser", async () => {
    await expect(as('bots', env.APP_DB_PASSWORD, 'temporal', 'select 1')).rejects.toThrow(/permission denied/);
    await expect(as('bots', env.APP_DB_PASSWORD, 'temporal_visibility', 'select 1')).rejects.toThrow(/permission denied/);
    await expect(as('temporal', env.TEMPORAL_DB_PASSWORD, 'bots', 'select 1')).rejects.toThrow(/permission denied/);
    expect(
      await as(
        'bots',
        env.APP_DB_PASSWORD,
        'bots',
        "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname in ('bots', 'temporal')",
      ),
    ).toEqual([
      { rolsuper: false, rolcreaterole: false, rolcreatedb: false },
      { rolsuper: false, rolcreaterole: false, rolcreatedb: false },
    ]);
  });

  it('rejects a wrong password', async () => {
    await expect(as('bots', env.TEMPORAL_DB_PASSWORD, 'bots', 'select 1')).rejects.toThrow(/password authentication failed/);
  });
});
