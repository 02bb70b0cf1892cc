/**
 * Start-up time and idle memory of `npm start` (the `start` entrypoint: embedded Temporal dev
 * server + embedded PostgreSQL + API + worker).
 *
 *   node --import tsx bench/startup.ts [--warm=3]
 *
 * One cold start (empty DATA_DIR: initdb, a new Temporal SQLite file) and `--warm` warm starts on
 * the same DATA_DIR, each timed from spawn to the first 200 from /readyz. After each start the tree
 * idles ~5 s and its resident memory is summed over the node process and all its descendants
 * (VmRSS from /proc; PSS is shown too, since RSS counts PostgreSQL's shared memory once per
 * backend). Targets: median warm start ≤ 10 s, idle RSS ≤ 700 MB.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { benchConnectionOptions } from './support/temporal-connection';
import pg from 'pg';
import { diskUsage, embeddedDatabaseUrl, makeDataDir, removeDataDir } from './support/data-dir';
import { BenchProcess, onInterrupt, runBench, type StopReport } from './support/entrypoint';
import { stackPorts, type StackPorts } from './support/ports';
import { treeMemory, type TreeMemory } from './support/proc';
import { mb, pass, printBlock, printJsonLine, progress, releaseDataDir, type Row } from './support/report';
import { firstAccept, firstServing, randomApiToken, sleep, stackEnv, waitForReady } from './support/stack';
import { intOption } from './support/options';
import { median, round } from './support/stats';

const WARM_RUNS = intOption('warm', 'BENCH_WARM_RUNS', 3);
const IDLE_MS = 5_000;
const READY_TIMEOUT_MS = 180_000;
const TARGET_WARM_S = 10;
const TARGET_IDLE_MB = 700;

/** Start-up phases: log messages (LOG_LEVEL=info) or, with an empty message, port probes. */
const phases = [
  ['temporal spawn', 'starting embedded Temporal dev server'],
  ['postgres initdb', 'initialising embedded PostgreSQL cluster'],
  // Probes from the bench, not log lines: TCP accept, then answering a real request.
  ['postgres listening', ''],
  ['postgres serving', ''],
  ['temporal listening', ''],
  ['temporal serving', ''],
  ['migrations applied', 'database migrations applied'],
  ['worker running', 'worker running'],
  ['API listening', 'API listening'],
] as const;

interface Run {
  kind: 'cold' | 'warm';
  startS: number;
  /** Seconds from spawn to each phase's log line. */
  phases: Record<string, number>;
  idle: TreeMemory;
  stop: StopReport;
}

/**
 * Seconds from spawn to the first log line whose `msg` is `message`, by the line's own `time`
 * (pino may buffer output, so arrival time can be late when the event loop is blocked).
 */
function phaseAt(proc: BenchProcess, message: string): number | undefined {
  const line = proc.findLine(new RegExp(`"msg":"${message}"`));
  if (!line) return undefined;
  const time = /"time":"([^"]+)"/.exec(line.text)?.[1];
  return time ? (Date.parse(time) - proc.spawnedAtEpoch) / 1000 : (line.at - proc.spawnedAt) / 1000;
}

async function startOnce(kind: Run['kind'], env: Record<string, string>, ports: StackPorts): Promise<Run> {
  progress(`${kind} start…`);
  const proc = BenchProcess.spawn('start', env, `start (${kind})`);
  try {
    // Probe the servers' ports meanwhile, to see when each began listening.
    let ready = false;
    const stopProbing = () => ready || !proc.running;
    const listening = [
      ...(['postgres', 'temporal'] as const).map((name) =>
        firstAccept(ports[name], stopProbing).then((at) => [`${name} listening`, at] as const),
      ),
      firstServing(() => postgresAnswers(env.DATA_DIR as string, ports.postgres), stopProbing).then(
        (at) => ['postgres serving', at] as const,
      ),
      firstServing(() => temporalAnswers(ports.temporal), stopProbing).then((at) => ['temporal serving', at] as const),
    ];
    const readyAt = await waitForReady(`http://127.0.0.1:${ports.api}`, proc, READY_TIMEOUT_MS).finally(() => (ready = true));
    const startS = (readyAt - proc.spawnedAt) / 1000;
    progress(`${kind} start: ready after ${startS.toFixed(2)} s; idling ${IDLE_MS / 1000} s`);
    const found: Record<string, number> = {};
    for (const [name, at] of await Promise.all(listening)) if (at !== undefined) found[name] = (at - proc.spawnedAtEpoch) / 1000;
    for (const [name, message] of phases) {
      if (!message) continue;
      const at = phaseAt(proc, message);
      if (at !== undefined) found[name] = at;
    }
    await sleep(IDLE_MS);
    const idle = treeMemory(proc.pid);
    const stop = await proc.stop();
    progress(`${kind} start: stopped in ${(stop.stopMs / 1000).toFixed(2)} s (exit ${stop.signal ?? stop.exitCode})`);
    if (stop.leftovers.length > 0) throw new Error(`processes left behind after stop: ${JSON.stringify(stop.leftovers)}`);
    return { kind, startS, phases: found, idle, stop };
  } finally {
    await proc.stop();
  }
}

/** PostgreSQL answers `select 1` (the password file exists once initdb has run). */
async function postgresAnswers(dataDir: string, port: number): Promise<boolean> {
  if (!fs.existsSync(path.join(dataDir, 'postgres.password'))) return false;
  const client = new pg.Client({ connectionString: embeddedDatabaseUrl(dataDir, port, 'postgres'), connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The Temporal frontend answers GetSystemInfo (what the start-up itself waits for). */
async function temporalAnswers(port: number): Promise<boolean> {
  const connection = await Connection.connect({ ...benchConnectionOptions({}, `127.0.0.1:${port}`), connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** Node + tsx start-up alone (an empty script), to tell the loader's share from the system's. */
function nodeTsxBaselineS(): number {
  const started = performance.now();
  spawnSync(process.execPath, ['--import', 'tsx', '-e', '0'], { cwd: path.resolve(__dirname, '..'), stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const dataDir = makeDataDir('bench-startup');
  onInterrupt(() => removeDataDir(dataDir));
  const ports = await stackPorts();
  const env = stackEnv(dataDir, ports, randomApiToken(), { LOG_LEVEL: 'info' });
  progress(`DATA_DIR ${dataDir}; API http://127.0.0.1:${ports.api}`);

  const { runs, dataDirBytes } = await startRuns(dataDir, env, ports);
  const baselineS = nodeTsxBaselineS();
  printReport(runs, baselineS, dataDirBytes);
}

/** One cold start on the empty DATA_DIR, then `--warm` warm starts on it; its size after the cold start. */
async function startRuns(dataDir: string, env: Record<string, string>, ports: StackPorts): Promise<{ runs: Run[]; dataDirBytes: number }> {
  const runs: Run[] = [];
  let dataDirBytes = 0;
  try {
    runs.push(await startOnce('cold', env, ports));
    dataDirBytes = diskUsage(dataDir);
    for (let i = 0; i < WARM_RUNS; i++) runs.push(await startOnce('warm', env, ports));
  } finally {
    releaseDataDir(dataDir);
  }
  return { runs, dataDirBytes };
}

function printReport(runs: Run[], baselineS: number, dataDirBytes: number): void {
  const cold = runs[0] as Run;
  const warm = runs.slice(1);
  const warmMedianS = median(warm.map((r) => r.startS));
  const idleRssMaxKb = Math.max(...runs.map((r) => r.idle.rssKb));
  const idleRssMedianWarmKb = median(warm.map((r) => r.idle.rssKb));
  const lastIdle = (warm[warm.length - 1] ?? cold).idle;

  const phaseText = (run: Run) =>
    phases
      .filter(([name]) => run.phases[name] !== undefined)
      .sort(([a], [b]) => (run.phases[a] as number) - (run.phases[b] as number))
      .map(([name]) => `${name} ${(run.phases[name] as number).toFixed(2)}`)
      .join(', ');
  const rows: Row[] = [
    ['cold start', `${cold.startS.toFixed(2)} s   (spawn → first 200 from /readyz, empty DATA_DIR)`],
    ...warm.map((run, i): Row => [`warm start #${i + 1}`, `${run.startS.toFixed(2)} s`]),
    ['median warm start', `${warmMedianS.toFixed(2)} s   target ≤ ${TARGET_WARM_S} s: ${pass(warmMedianS <= TARGET_WARM_S)}`],
    ['', ''],
    ['idle RSS (tree, ~5 s idle)', runs.map((r) => `${r.kind} ${mb(r.idle.rssKb)}`).join(', ')],
    ['max idle RSS', `${mb(idleRssMaxKb)}   target ≤ ${TARGET_IDLE_MB} MB: ${pass(idleRssMaxKb / 1024 <= TARGET_IDLE_MB)}`],
    ['idle PSS (no double count)', runs.map((r) => `${r.kind} ${mb(r.idle.pssKb)}`).join(', ')],
    [
      'last run by process',
      Object.entries(lastIdle.byName)
        .map(([name, g]) => `${name}×${g.count} RSS ${mb(g.rssKb)} / PSS ${mb(g.pssKb)}`)
        .join('; '),
    ],
    ['', ''],
    ['phases (s after spawn)', ''],
    ...runs.map((run, i): Row => [`  ${i === 0 ? 'cold' : `warm #${i}`}`, phaseText(run)]),
    ['node + tsx alone', `${baselineS.toFixed(2)} s   (empty script; paid by every process start)`],
    ['graceful stop', runs.map((r) => `${(r.stop.stopMs / 1000).toFixed(2)} s`).join(', ')],
    ['DATA_DIR after cold start', `${(dataDirBytes / 1024 / 1024).toFixed(0)} MB`],
  ];
  printBlock('startup: npm start (embedded Temporal + PostgreSQL + API + worker)', rows);
  printJsonLine('startup', {
    coldStartS: round(cold.startS, 2),
    warmStartS: warm.map((r) => round(r.startS, 2)),
    warmMedianS: round(warmMedianS, 2),
    idleRssMb: runs.map((r) => round(r.idle.rssKb / 1024, 0)),
    idleRssMedianWarmMb: round(idleRssMedianWarmKb / 1024, 0),
    idleRssMaxMb: round(idleRssMaxKb / 1024, 0),
    idlePssMb: runs.map((r) => round(r.idle.pssKb / 1024, 0)),
    idleByProcess: Object.fromEntries(
      Object.entries(lastIdle.byName).map(([name, g]) => [
        name,
        { count: g.count, rssMb: round(g.rssKb / 1024, 0), pssMb: round(g.pssKb / 1024, 0) },
      ]),
    ),
    phasesS: runs.map((r) => Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, round(v, 2)]))),
    nodeTsxBaselineS: round(baselineS, 2),
    stopS: runs.map((r) => round(r.stop.stopMs / 1000, 2)),
    targets: { warmMedianS: TARGET_WARM_S, idleRssMb: TARGET_IDLE_MB },
    pass: warmMedianS <= TARGET_WARM_S && idleRssMaxKb / 1024 <= TARGET_IDLE_MB,
  });
}

runBench('startup', main);
