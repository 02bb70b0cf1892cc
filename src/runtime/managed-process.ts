import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import type { Logger } from '../logger';

/**
 * A server process started and owned by this one: its output goes to our log, its last lines
 * are kept for error messages, and it never outlives us – a guard stops it when this process
 * dies, even by SIGKILL. Its pid is also written to a file so that a later start can reap a copy
 * the guard could not stop (the machine lost power, the guard was killed too).
 */
export class ManagedProcess {
  /** Every process started and not yet exited, so an abrupt exit can still take them down. */
  private static readonly live = new Set<ManagedProcess>();
  private readonly tail: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    pidFile: string | undefined,
    logger: Logger,
    private readonly guard: ChildProcess | undefined,
  ) {
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        logger.debug({ process: name }, line);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    ManagedProcess.live.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        ManagedProcess.live.delete(this);
        this.dismissGuard();
        if (pidFile) fs.rmSync(pidFile, { force: true });
        logger.debug({ process: name, code, signal }, 'process exited');
        resolve(code);
      });
      child.once('error', (err) => {
        ManagedProcess.live.delete(this);
        this.dismissGuard();
        this.tail.push(String(err));
        resolve(null);
      });
    });
  }

  static start(
    name: string,
    command: string,
    args: string[],
    options: SpawnOptions & { pidFile?: string; logger: Logger; /** How the guard asks the server to stop. */ stopSignal?: NodeJS.Signals },
  ): ManagedProcess {
    const { pidFile, logger, stopSignal = 'SIGTERM', ...spawnOptions } = options;
    if (pidFile) reapStale(pidFile, command, logger);
    const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    if (pidFile && child.pid) fs.writeFileSync(pidFile, String(child.pid));
    return new ManagedProcess(name, child, pidFile, logger, child.pid ? startGuard(child.pid, stopSignal) : undefined);
  }

  /** The server is gone: its guard has nothing left to do (and must not signal a reused pid). */
  private dismissGuard(): void {
    if (!this.guard?.pid || this.guard.exitCode !== null || this.guard.signalCode !== null) return;
    try {
      process.kill(-this.guard.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /**
   * Kills every managed process at once. Synchronous, so it can run in an `exit` handler: our
   * servers must not outlive us, whatever way the process ends.
   */
  static killAll(): void {
    for (const managed of ManagedProcess.live) managed.child.kill('SIGKILL');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process printed, for error messages. */
  recentOutput(): string {
    return this.tail.join('\n');
  }

  /** Asks the process to stop with `signal`, then kills it if it has not exited in time. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A tiny shell that blocks reading a pipe from this process. The kernel closes the pipe when
 * this process ends, however it ends – so `kill -9` of npm start cannot leave Temporal or
 * PostgreSQL running. (Linux's PR_SET_PDEATHSIG would do this, but Node cannot set it.) It runs in
 * its own process group, so that it can be dismissed whole, and holds no reference on our event loop.
 */
function startGuard(pid: number, signal: NodeJS.Signals): ChildProcess | undefined {
  try {
    const guard = spawn(
      '/bin/sh',
      ['-c', 'cat >/dev/null; kill -s "$1" "$2" 2>/dev/null', 'guard', signal.replace(/^SIG/, ''), String(pid)],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      },
    );
    guard.on('error', () => undefined);
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return guard;
  } catch {
    return undefined; // No shell: the pid file still lets the next start reap a leftover.
  }
}

/**
 * Kills a process recorded in `pidFile` if it is still alive and runs `command`. Checking the
 * command line keeps us from killing an unrelated process that reused the pid.
 */
function reapStale(pidFile: string, command: string, logger: Logger): void {
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : NaN);
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    fs.rmSync(pidFile, { force: true });
    return;
  }
  if (!cmdline.split('\0')[0]?.endsWith(command.split('/').pop() ?? command)) return;
  logger.warn({ pid, command }, 'stopping a server left running by an earlier run');
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      break; // Already gone.
    }
    if (waitForExit(pid, 5_000)) break;
  }
  fs.rmSync(pidFile, { force: true });
}

/** Blocks until `pid` is gone (true) or the timeout passes (false); used only at start-up. */
function waitForExit(pid: number, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return false;
}
