import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GenerationSystem } from './generation-system';
import { createTestDatabase, temporalAddress, uniqueTaskQueue } from './harness';
import { freePort } from './ports';

const root = path.resolve(__dirname, '..', '..');

export interface RunningSystem {
  apiUrl: string;
  apiToken: string;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs an entrypoint (`start`, `api`, `worker`, `infra`) as a real child process, exactly as its
 * npm script does, and waits until it prints `readyLine`.
 */
export function runEntrypoint(
  entry: 'start' | 'api' | 'worker' | 'infra',
  env: Record<string, string>,
  readyLine: RegExp,
  timeoutMs = 90_000,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  return runUntilReady(
    [process.execPath, '--import', 'tsx', path.join('src', 'entrypoints', `${entry}.ts`)],
    { cwd: root, env },
    readyLine,
    timeoutMs,
  );
}

/**
 * Runs `command` (a leading `node` is this Node) in `cwd` with only `env` (and PATH and HOME) as
 * its environment, and waits until it prints `readyLine`.
 */
export function runUntilReady(
  command: string[],
  options: { cwd: string; env: Record<string, string> },
  readyLine: RegExp,
  timeoutMs = 90_000,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const [program = '', ...args] = command;
  const child = spawn(program === 'node' ? process.execPath : program, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = command.join(' ');
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      if (readyLine.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** `npm start` in a child process, on its embedded defaults under `env.DATA_DIR`. */
export async function startSystem(env: Record<string, string>): Promise<RunningSystem> {
  const { child, output, exited } = await runEntrypoint('start', env, /Ctrl-C stops everything/);
  const apiUrl = /API\s+(http:\/\/\S+)/.exec(output())?.[1];
  const apiToken = env.API_TOKEN ?? /API token\s+(\S+)/.exec(output())?.[1];
  if (!apiUrl || !apiToken) throw new Error(`banner incomplete:\n${output()}`);
  return {
    apiUrl,
    apiToken,
    output,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/** True while a pid recorded in `pidFile` (removed on clean exit) names a live process. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

/**
 * `npm start` as a child process on the test run's shared Temporal server, with a fresh database,
 * a task queue and a DATA_DIR of its own (no embedded servers of its own: cheap to start).
 * `stop` also drops the database and the folder.
 */
export async function startSystemOnTestServers(name: string, env: Record<string, string> = {}): Promise<RunningSystem> {
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bots-${name}-`));
  const system = await startSystem({
    DATA_DIR: dataDir,
    PORT: '0',
    TEMPORAL_ADDRESS: temporalAddress(),
    DATABASE_URL: database.url,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(name),
    ...env,
  }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  return {
    ...system,
    async stop(signal = 'SIGTERM') {
      const code = await system.stop(signal);
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** The environment of an `npm start` with embedded servers of its own under `dataDir`, on free ports. */
export async function embeddedStackEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
  };
}

/** `npm run worker` as a child process for a test system's database, task queue and Telegram. */
export function runWorkerProcess(system: Pick<GenerationSystem, 'databaseUrl' | 'taskQueue' | 'config'>, env: Record<string, string> = {}) {
  return runEntrypoint(
    'worker',
    {
      TEMPORAL_ADDRESS: temporalAddress(),
      DATABASE_URL: system.databaseUrl,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      TELEGRAM_API_ROOT: system.config.TELEGRAM_API_ROOT,
      BOT_TOKEN_KEY: system.config.BOT_TOKEN_KEY as string,
      LOG_LEVEL: 'info',
      ...env,
    },
    /"msg":"worker running"/,
  );
}
