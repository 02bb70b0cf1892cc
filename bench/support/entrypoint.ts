/**
 * Runs the project's entrypoints (`start`, `api`, `worker`, `infra`) as real child processes,
 * exactly as their npm scripts do (`node --import tsx src/entrypoints/<name>.ts`), and makes sure
 * none of them, nor anything they started (Temporal, PostgreSQL and its backends), outlives the
 * bench: each child leads its own process group, and every stop checks the whole tree and group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { isAlive, listProcesses, processTree, type ProcInfo } from './proc';

export type Entrypoint = 'start' | 'api' | 'worker' | 'infra';

const projectRoot = path.resolve(__dirname, '..', '..');
/** Set BENCH_VERBOSE=1 to see every child's output on stderr. */
const verbose = Boolean(process.env.BENCH_VERBOSE);

export interface OutputLine {
  /** performance.now() when the line arrived. */
  at: number;
  text: string;
}

export interface StopReport {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** From sending the signal to the exit of the entrypoint process itself. */
  stopMs: number;
  /** Processes of the tree still alive after the entrypoint exited, killed by us (should be 0). */
  leftovers: { pid: number; name: string }[];
}

/** Every process spawned here and not yet stopped, for the emergency clean-up. */
const live = new Set<BenchProcess>();

export class BenchProcess {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lines: OutputLine[] = [];
  private readonly waiters = new Set<(line: OutputLine) => void>();
  private partial = '';
  private stopping: Promise<StopReport> | undefined;

  private constructor(
    readonly label: string,
    readonly child: ChildProcess,
    /** performance.now() just before the spawn. */
    readonly spawnedAt: number,
    /** Date.now() just before the spawn, to compare with timestamps in the child's logs. */
    readonly spawnedAtEpoch: number,
  ) {
    if (!child.pid) throw new Error(`${label}: spawn failed`);
    this.pid = child.pid;
    child.stdout?.on('data', (chunk: Buffer) => this.collect(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.collect(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.partial) this.addLine(this.partial);
        this.partial = '';
        resolve({ code, signal });
      });
    });
    live.add(this);
  }

  /** Spawns `src/entrypoints/<entry>.ts` with only `env` (plus PATH and HOME) as its environment. */
  static spawn(entry: Entrypoint, env: Record<string, string>, label: string = entry): BenchProcess {
    return BenchProcess.spawnScript(path.join('src', 'entrypoints', `${entry}.ts`), env, label);
  }

  /** Spawns any TypeScript file of the project (path relative to its root) the same way, e.g. a bench's own process. */
  static spawnScript(script: string, env: Record<string, string>, label: string): BenchProcess {
    const spawnedAt = performance.now();
    const spawnedAtEpoch = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: whatever it starts stays findable by group id, even once orphaned.
      detached: true,
    });
    return new BenchProcess(label, child, spawnedAt, spawnedAtEpoch);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private collect(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    for (const text of parts) this.addLine(text);
  }

  private addLine(text: string): void {
    const line = { at: performance.now(), text };
    this.lines.push(line);
    // Keep the most recent lines only: a chatty worker must not fill the bench's memory.
    if (this.lines.length > 5_000) this.lines.splice(0, 1_000);
    if (verbose) process.stderr.write(`[${this.label}] ${text}\n`);
    for (const waiter of [...this.waiters]) waiter(line);
  }

  /** The last `count` lines of output, for error messages. */
  tail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((l) => l.text)
      .join('\n');
  }

  /** The first kept line matching `pattern`, if any. */
  findLine(pattern: RegExp): OutputLine | undefined {
    return this.lines.find((l) => pattern.test(l.text));
  }

  /**
   * Waits for an output line matching `pattern` (looking at lines already printed too). Rejects
   * if the process exits first or the timeout passes.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<OutputLine & { match: RegExpExecArray }> {
    const seen = this.lines.find((l) => pattern.test(l.text));
    if (seen) return Promise.resolve({ ...seen, match: pattern.exec(seen.text) as RegExpExecArray });
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(onLine);
      };
      const onLine = (line: OutputLine) => {
        const match = pattern.exec(line.text);
        if (!match) return;
        cleanup();
        resolve({ ...line, match });
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs} ms. Output:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(onLine);
      void this.exited.then(({ code, signal }) => {
        if (!this.waiters.has(onLine)) return;
        cleanup();
        reject(new Error(`${this.label} exited (${signal ?? code}) before printing ${pattern}. Output:\n${this.tail()}`));
      });
    });
  }

  /** The entrypoint and every live descendant or member of its process group. */
  members(): ProcInfo[] {
    const tree = processTree(this.pid);
    const known = new Set(tree.map((p) => p.pid));
    const group = listProcesses().filter((p) => p.pgrp === this.pid && p.state !== 'Z' && !known.has(p.pid));
    return [...tree, ...group];
  }

  /**
   * Sends `signal` (SIGTERM: the graceful path), escalates to SIGKILL after `timeoutMs`, then
   * makes sure nothing of the tree is left: anything that is (it should not be) gets SIGKILL and
   * is reported. Safe to call twice.
   */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<StopReport> {
    this.stopping ??= this.doStop(signal, timeoutMs).finally(() => live.delete(this));
    return this.stopping;
  }

  private async doStop(signal: NodeJS.Signals, timeoutMs: number): Promise<StopReport> {
    const snapshot = this.running ? this.members() : [];
    const started = performance.now();
    if (this.running) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const escalated = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (this.running) {
          process.stderr.write(`${this.label}: no exit ${timeoutMs} ms after ${signal}; sending SIGKILL\n`);
          this.child.kill('SIGKILL');
        }
        resolve();
      }, timeoutMs);
    });
    const { code, signal: exitSignal } = await Promise.race([this.exited, escalated.then(() => this.exited)]);
    clearTimeout(timer);
    const stopMs = performance.now() - started;

    // The entrypoint stops its servers before exiting; give stragglers a moment, then kill them.
    const survivors = () => {
      const byPid = new Map<number, ProcInfo>();
      for (const p of snapshot.filter(isAlive)) byPid.set(p.pid, p);
      for (const p of listProcesses()) if (p.pgrp === this.pid && p.state !== 'Z') byPid.set(p.pid, p);
      return [...byPid.values()];
    };
    const deadline = performance.now() + 5_000;
    let left = survivors();
    while (left.length > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = survivors();
    }
    for (const p of left) killQuietly(p.pid, 'SIGKILL');
    return { exitCode: code, signal: exitSignal, stopMs, leftovers: left.map((p) => ({ pid: p.pid, name: p.name })) };
  }

  /** SIGKILLs the entrypoint process alone (a crash: no clean-up code runs) and waits for its exit. */
  async crash(): Promise<void> {
    const snapshot = this.members();
    this.child.kill('SIGKILL');
    await this.exited;
    live.delete(this);
    // A worker has no child processes; if one ever does, it must not linger.
    for (const p of snapshot) if (p.pid !== this.pid && isAlive(p)) killQuietly(p.pid, 'SIGKILL');
  }
}

/** Resolves with `promise`, or rejects as soon as `proc` exits or `timeoutMs` passes. */
export async function whileRunning<T>(proc: BenchProcess, promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${timeoutMs} ms. Output:\n${proc.tail()}`)), timeoutMs);
  });
  const exited = proc.exited.then(({ code, signal }) => {
    throw new Error(`${proc.label} exited (${signal ?? code}) during ${what}. Output:\n${proc.tail()}`);
  });
  // The stack exits at the end in any case: that later rejection must not count as unhandled.
  exited.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout, exited]);
  } finally {
    clearTimeout(timer);
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops every live bench process, newest first (api/worker before the infra they use). */
export async function stopAll(): Promise<StopReport[]> {
  const reports: StopReport[] = [];
  for (const proc of [...live].reverse()) reports.push(await proc.stop());
  return reports;
}

const interruptHooks: (() => void)[] = [];

/** Runs `hook` after an interrupted bench has stopped its processes (e.g. to delete its DATA_DIR). */
export function onInterrupt(hook: () => void): void {
  interruptHooks.push(hook);
}

// Emergency clean-up. Ctrl-C or SIGTERM: stop everything gracefully, run the interrupt hooks,
// exit. Any other exit (an uncaught error, process.exit): SIGKILL whatever is left, synchronously.
let interrupted = false;
/** True once Ctrl-C / SIGTERM started the emergency clean-up (errors after it are expected). */
export const wasInterrupted = () => interrupted;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the processes started by this bench…\n`);
    void stopAll()
      .then((reports) => {
        if (reports.some((r) => r.leftovers.length > 0)) return; // Keep the data of anything we had to kill.
        for (const hook of interruptHooks) {
          try {
            hook();
          } catch (err) {
            process.stderr.write(`clean-up failed: ${String(err)}\n`);
          }
        }
      })
      .finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const proc of live) for (const p of proc.members()) killQuietly(p.pid, 'SIGKILL');
});

/**
 * Runs a bench's `main`: exit 0 when it passed its correctness checks (a missed performance
 * target is only reported), 1 when it did not or failed. An interrupted run is left to the
 * signal handler, which stops everything and exits.
 */
export function runBench(name: string, main: () => Promise<boolean | void>): void {
  main().then(
    (ok) => process.exit(ok === false ? 1 : 0),
    (err: unknown) => {
      if (wasInterrupted()) return;
      process.stderr.write(`${name} bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
