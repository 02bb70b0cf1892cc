import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { relocatedClusterDir, relocatedClustersDir } from '../../src/runtime/embedded-postgres';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  process.stderr.write('root-data-dir.test.ts needs root (CI runs as root): the relocated-cluster case cannot happen otherwise\n');
}

/**
 * `npm start` as root in a clone under /root (mode 0700): the embedded PostgreSQL runs as the
 * `postgres` user, which cannot traverse DATA_DIR, so the cluster goes to a folder it can reach,
 * the same one at every start with that DATA_DIR; the banner says where.
 */
(isRoot ? describe : describe.skip)('npm start as root with a DATA_DIR the postgres user cannot reach', () => {
  let home: string;
  let dataDir: string;
  let env: Record<string, string>;
  let system: RunningSystem | undefined;
  let clusterDir: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-root-home-'));
    fs.chmodSync(home, 0o700);
    dataDir = path.join(home, 'clone', '.data');
    fs.mkdirSync(dataDir, { recursive: true });
    env = { ...(await embeddedStackEnv(dataDir)), LOG_LEVEL: 'info' };
    clusterDir = relocatedClusterDir(dataDir);
  });

  afterAll(async () => {
    await system?.stop('SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(clusterDir, { recursive: true, force: true });
    // The shared parent goes too when this test created it and nothing else is in it.
    if (fs.existsSync(relocatedClustersDir) && fs.readdirSync(relocatedClustersDir).length === 0) fs.rmdirSync(relocatedClustersDir);
  });

  async function query(sql: string): Promise<pg.QueryResult> {
    const password = fs.readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim();
    const client = new pg.Client({
      connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.POSTGRES_PORT}/bots`,
    });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it('places the cluster where the postgres user can reach it, and the banner says where', async () => {
    // The server user exists: the run's shared embedded PostgreSQL (global set-up) made sure of it.
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    expect(spawnSync('test', ['-x', dataDir], { uid: id('-u'), gid: id('-g') }).status).not.toBe(0);
    expect(fs.existsSync(clusterDir)).toBe(false);

    system = await startSystem(env);
    expect(system.output()).toContain(`PostgreSQL data ${clusterDir}`);
    expect(system.output()).toMatch(/the embedded PostgreSQL cluster is in/);
    expect(fs.existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    expect(clusterDir.startsWith(`${relocatedClustersDir}/`)).toBe(true);
    const owner = fs.statSync(clusterDir);
    expect({ mode: owner.mode & 0o777, ownedByRoot: owner.uid === 0 }).toEqual({ mode: 0o700, ownedByRoot: false });

    await query('create table survives_restart (note text)');
    await query("insert into survives_restart values ('written before the restart')");
    expect(await system.stop('SIGTERM')).toBe(0);
    system = undefined;
  });

  it('finds the same cluster at the next start, with its data', async () => {
    system = await startSystem(env);
    expect(system.output()).toContain(`PostgreSQL data ${clusterDir}`);
    expect(system.output()).not.toMatch(/initialising embedded PostgreSQL cluster/);
    expect((await query('select note from survives_restart')).rows).toEqual([{ note: 'written before the restart' }]);
    expect(await system.stop('SIGTERM')).toBe(0);
    system = undefined;
  });

  it('starts from scratch once DATA_DIR is deleted, as it does when the cluster is inside it', async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir);
    system = await startSystem(env);
    expect(system.output()).toMatch(/starting the relocated cluster from scratch/);
    expect((await query("select to_regclass('survives_restart') as t")).rows).toEqual([{ t: null }]);
    await query("create table survives_restart (note text); insert into survives_restart values ('after the reset')");
    expect(await system.stop('SIGTERM')).toBe(0);
    system = undefined;
  });

  it('keeps using the relocated cluster once DATA_DIR becomes reachable', async () => {
    fs.chmodSync(home, 0o755);
    system = await startSystem(env);
    expect(system.output()).toContain(`PostgreSQL data ${clusterDir}`);
    expect((await query('select note from survives_restart')).rows).toEqual([{ note: 'after the reset' }]);
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  });
});
