/**
 * Paid jobs against their floor, in one run on one stack: the project's generation saga next to a
 * minimal saga (bench/floor/: start → local-activity debit → one activity that "generates"
 * instantly → local-activity complete, its own task queue and tables) on the same Temporal server
 * and PostgreSQL. Machines here are noisy, so only the ratios of one run count.
 *
 *   npm run bench:generations -- --floor [--jobs=1000] [--concurrency=50] [--users=50] [--timeout=240]
 *
 * The stack is the `start` entrypoint (Temporal dev server + PostgreSQL + API + worker, fake
 * provider at 0 ms). Both sides get their jobs by HTTP POST, with the same client code, count and
 * concurrency: the project through POST /api/generations (auth, validation, idempotency, the job's
 * row), the floor through a tiny express endpoint in its own process (bench/floor/saga-launcher.ts)
 * that only calls client.workflow.start. Completion is seen in PostgreSQL (`finished_at`). First
 * the floor, then the project (the floor's process is stopped in between); each after an
 * unmeasured warm-up of 50 jobs. Per side: jobs/s (first POST → last finished_at), CPU per job of
 * the process that runs the jobs (the floor's, or the project's `start` process) plus Temporal
 * plus PostgreSQL, and the events and workflow tasks of one job's history. Target: project ≥ 0.8×
 * the floor's jobs/s. Exits 1 when a job is lost, the run times out or the ledger check fails.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { checkLedger } from '../src/credits/check';
import type { Database } from '../src/db/client';
import { embeddedDatabaseUrl, makeDataDir, removeDataDir } from './support/data-dir';
import { BenchProcess, onInterrupt } from './support/entrypoint';
import { jobStackEnv, runJobs, stopStack, type JobRun } from './support/job-run';
import { stackPorts, type StackPorts } from './support/ports';
import { cpuMeter } from './support/cpu-meter';
import { treeCpuSeconds } from './support/proc';
import { pass, printBlock, printJsonLine, progress, releaseDataDir, type Row } from './support/report';
import { ApiClient, mapConcurrent, openDatabase, randomApiToken, waitForReady } from './support/stack';
import { intOption } from './support/options';
import { round } from './support/stats';

const JOBS = intOption('jobs', 'BENCH_JOBS', 1_000);
const CONCURRENCY = intOption('concurrency', 'BENCH_CONCURRENCY', 50);
const USERS = Math.min(intOption('users', 'BENCH_USERS', 50), JOBS);
const TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT_S', 240) * 1_000;
const WARMUP = 50;
const PRICE = 50;
const TARGET_RATIO = 0.8;
const EventType = proto.api.enums.v1.EventType;

interface Side {
  name: 'floor' | 'project';
  run: JobRun;
  jobsPerS: number;
  finished: number;
  /** CPU seconds by process name: the side's own node process, temporal, postgres. */
  cpu: Record<string, number>;
  cpuMsPerJob: number;
  /** Events and workflow tasks in one measured job's history. */
  events: number;
  workflowTasks: number;
  /** That history's event types, in order (markers by name). */
  eventTypes: string[];
  otherCpuS: number;
}

/** Runs `jobs` measured jobs through `send` and measures them; `cpuOf` samples the side's processes. */
async function measure(
  name: Side['name'],
  send: (i: number) => ReturnType<ApiClient['request']>,
  finished: () => Promise<{ count: number; lastMs: number | null }>,
  cpuOf: () => Record<string, number>,
  history: (workflowId: string) => Promise<{ events: number; workflowTasks: number; eventTypes: string[] }>,
): Promise<Side> {
  progress(`${name}: ${JOBS} jobs, ${CONCURRENCY} in flight`);
  const cpuOfRun = cpuMeter(cpuOf);
  const run = await runJobs({
    jobs: JOBS,
    concurrency: CONCURRENCY,
    timeoutMs: TIMEOUT_MS,
    send,
    label: name,
    terminalCount: async () => (await finished()).count,
  });
  const { stack: cpu, stackS: cpuTotal, otherS: otherCpuS } = cpuOfRun();
  const done = await finished();
  const firstPost = Math.min(...run.posts.map((p) => p.sentAt));
  const jobsPerS = done.count / ((Number(done.lastMs) - firstPost) / 1000);
  progress(`${name}: ${done.count} jobs finished, ${jobsPerS.toFixed(1)} jobs/s`);
  return {
    name,
    run,
    jobsPerS,
    finished: done.count,
    cpu,
    cpuMsPerJob: (cpuTotal / Math.max(done.count, 1)) * 1000,
    ...(await history(run.accepted[0]?.id ?? '')),
    otherCpuS,
  };
}

export async function main(): Promise<boolean> {
  const dataDir = makeDataDir('bench-floor');
  onInterrupt(() => removeDataDir(dataDir));
  const ports = await stackPorts();
  const token = randomApiToken();
  const env = jobStackEnv(dataDir, ports, token, PRICE);
  progress(`DATA_DIR ${dataDir}; ${JOBS} jobs per side, ${CONCURRENCY} in flight, ${USERS} users`);
  const stack = BenchProcess.spawn('start', env);
  const held: Held = {};
  try {
    const bench = await startFloor(stack, dataDir, ports, token, held);
    const users = await seedUsers(bench);
    // The floor first; its process stops before the project's turn.
    const floorSide = await runSide(
      bench,
      'floor',
      floorSend(bench, users),
      finishedRows(bench.db, 'floor_jobs', 'id', 'finished_at is not null'),
    );
    await bench.floor.stop();
    const projectSide = await runSide(
      bench,
      'project',
      projectSend(bench, users),
      finishedRows(bench.db, 'generation_jobs', 'idempotency_key', `status in ('completed', 'failed', 'cancelled', 'rejected')`),
    );
    const problems = await checkLedger(bench.db);
    const floorMoneyOk = await floorMoneyAddsUp(bench.db);
    return report(floorSide, projectSide, problems.length, floorMoneyOk);
  } finally {
    await held.temporal?.close().catch(() => undefined);
    await held.database?.$client.end().catch(() => undefined);
    await held.floor?.stop();
    await stopStack(stack);
    releaseDataDir(dataDir);
  }
}

/** What main closes or stops at the end, as far as it got. */
interface Held {
  database?: Database;
  temporal?: Connection;
  floor?: BenchProcess;
}

interface FloorBench {
  stack: BenchProcess;
  floor: BenchProcess;
  db: Database;
  client: Client;
  api: ApiClient;
  floorApi: ApiClient;
}

/** Waits for the stack, then starts the floor's launcher on the same Temporal server and PostgreSQL. */
async function startFloor(stack: BenchProcess, dataDir: string, ports: StackPorts, token: string, held: Held): Promise<FloorBench> {
  await waitForReady(`http://127.0.0.1:${ports.api}`, stack, 180_000);
  const databaseUrl = embeddedDatabaseUrl(dataDir, ports.postgres);
  const db = (held.database = openDatabase(databaseUrl));
  const address = `127.0.0.1:${ports.temporal}`;
  const temporal = (held.temporal = await Connection.connect({ address }));
  const client = new Client({ connection: temporal });
  const floor = (held.floor = BenchProcess.spawnScript(
    'bench/floor/saga-launcher.ts',
    { TEMPORAL_ADDRESS: address, DATABASE_URL: databaseUrl },
    'floor',
  ));
  const floorApi = new ApiClient((await floor.waitForLine(/floor ready (\S+)/, 120_000)).match[1] as string, token);
  const api = new ApiClient(`http://127.0.0.1:${ports.api}`, token);
  progress('stack and floor ready');
  return { stack, floor, db, client, api, floorApi };
}

/** What every user starts with, on both sides. */
const CREDITS = Math.ceil((JOBS + WARMUP) / USERS) * PRICE;

/** Every user can pay for its share of the measured jobs and the warm-up, on both sides. */
async function seedUsers({ api, db }: FloorBench): Promise<string[]> {
  const users = Array.from({ length: USERS }, (_, i) => `bench-user-${i}`);
  await mapConcurrent(users, 10, (id) => api.createUserWithCredits(id, CREDITS));
  await db.$client.query('insert into floor_users (id, balance) select unnest($1::text[]), $2', [users, CREDITS]);
  return users;
}

type Send = (prefix: string) => (i: number) => ReturnType<ApiClient['request']>;
type Finished = (prefix: string) => () => Promise<{ count: number; lastMs: number | null }>;

const floorSend =
  ({ floorApi }: FloorBench, users: string[]): Send =>
  (prefix) =>
  (i) =>
    floorApi.request('POST', '/jobs', {
      id: `${prefix}-${i}`,
      userId: users[i % USERS] as string,
      prompt: `bench story ${i}`,
      cost: PRICE,
    });

/** The project: the same through its API. */
const projectSend =
  ({ api }: FloorBench, users: string[]): Send =>
  (prefix) =>
  (i) =>
    api.request(
      'POST',
      '/api/generations',
      { userId: users[i % USERS] as string, kind: 'story', prompt: `bench story ${i}` },
      { 'idempotency-key': `${prefix}-${i}` },
    );

/** Rows of `table` whose id column starts with `prefix-` and that are finished: their count and the last finish. */
const finishedRows =
  (db: Database, table: string, idColumn: string, finished: string): Finished =>
  (prefix) =>
  async () => {
    const { rows } = await db.$client.query<{ count: string; last_ms: string | null }>(
      `select count(*), max(extract(epoch from finished_at) * 1000) as last_ms from ${table} where ${idColumn} like $1 and ${finished}`,
      [`${prefix}-%`],
    );
    const row = rows[0] as { count: string; last_ms: string | null };
    return { count: Number(row.count), lastMs: row.last_ms === null ? null : Number(row.last_ms) };
  };

/** One side: an unmeasured warm-up, then the measured run. */
async function runSide(bench: FloorBench, name: Side['name'], send: Send, finished: Finished): Promise<Side> {
  await runJobs({
    jobs: WARMUP,
    concurrency: CONCURRENCY,
    timeoutMs: TIMEOUT_MS,
    send: send('warm'),
    terminalCount: async () => (await finished('warm')()).count,
  });
  return measure(name, send('run'), finished('run'), () => sideCpu(bench, name), historyOf(bench.client));
}

/** CPU seconds of the side's own node process (the floor's, or the project's `start`), Temporal and PostgreSQL. */
function sideCpu({ stack, floor }: FloorBench, own: Side['name']): Record<string, number> {
  const tree = treeCpuSeconds(stack.pid);
  const node = own === 'floor' ? (treeCpuSeconds(floor.pid).node ?? 0) : (tree.node ?? 0);
  return { node, temporal: tree.temporal ?? 0, postgres: tree.postgres ?? 0 };
}

/** One workflow's history: its events and workflow tasks, and the event types in order (markers by name). */
const historyOf = (client: Client) => async (workflowId: string) => {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const eventTypes = events.map((e) => {
    const type = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    const marker = e.markerRecordedEventAttributes?.markerName;
    return marker ? `${type}(${marker})` : type;
  });
  return { events: events.length, workflowTasks: eventTypes.filter((t) => t === 'WORKFLOW_TASK_COMPLETED').length, eventTypes };
};

/** The floor's books: what its users started with = their balances + the cost of their jobs. */
async function floorMoneyAddsUp(db: Database): Promise<boolean> {
  const { rows } = await db.$client.query<{ missing: string }>(
    `select $1::bigint * count(*) - (select sum(balance) from floor_users) - (select sum(cost) from floor_jobs) as missing from floor_users`,
    [CREDITS],
  );
  return Number(rows[0]?.missing) === 0;
}

function report(floor: Side, project: Side, ledgerProblems: number, floorMoneyOk: boolean): boolean {
  const ratio = project.jobsPerS / floor.jobsPerS;
  const cpuRatio = project.cpuMsPerJob / floor.cpuMsPerJob;
  const lost = (side: Side) => side.run.accepted.length - side.finished + (side.run.posts.length - side.run.accepted.length);
  const ok =
    !floor.run.timedOut && !project.run.timedOut && lost(floor) === 0 && lost(project) === 0 && ledgerProblems === 0 && floorMoneyOk;
  const line = (side: Side): string =>
    `${side.jobsPerS.toFixed(1)} jobs/s, CPU ${side.cpuMsPerJob.toFixed(1)} ms/job (${Object.entries(side.cpu)
      .map(([name, s]) => `${name} ${((s / Math.max(side.finished, 1)) * 1000).toFixed(1)}`)
      .join(
        ', ',
      )}), ${side.events} events / ${side.workflowTasks} workflow tasks per job, others ${side.otherCpuS.toFixed(1)} CPU-s${lost(side) ? `, ${lost(side)} LOST` : ''}`;
  const rows: Row[] = [
    ['jobs', `${JOBS} per side after ${WARMUP} warm-up, ${CONCURRENCY} in flight, ${USERS} users`],
    ['floor', line(floor)],
    ['project', line(project)],
    [
      'ratio',
      `throughput ${ratio.toFixed(2)}× the floor (target ≥ ${TARGET_RATIO}: ${pass(ratio >= TARGET_RATIO)}), CPU per job ${cpuRatio.toFixed(2)}× the floor`,
    ],
    [
      'money',
      `project ledger check: ${ledgerProblems === 0 ? 'no problems' : `${ledgerProblems} PROBLEM(S)`}; floor balances ${floorMoneyOk ? 'add up' : 'DO NOT ADD UP'}`,
    ],
    ['result', ok ? 'OK' : 'FAILED'],
  ];
  printBlock('paid jobs against their floor (same stack, same run; fake provider 0 ms)', rows);
  const figures = (side: Side) => ({
    jobsPerS: round(side.jobsPerS, 1),
    cpuMsPerJob: round(side.cpuMsPerJob, 1),
    cpuS: Object.fromEntries(Object.entries(side.cpu).map(([k, v]) => [k, round(v, 2)])),
    eventsPerJob: side.events,
    workflowTasksPerJob: side.workflowTasks,
    eventTypes: side.eventTypes,
    finished: side.finished,
    otherProcessesCpuS: round(side.otherCpuS, 1),
  });
  printJsonLine('generations-floor', {
    jobs: JOBS,
    concurrency: CONCURRENCY,
    users: USERS,
    floor: figures(floor),
    project: figures(project),
    throughputRatio: round(ratio, 2),
    cpuPerJobRatio: round(cpuRatio, 2),
    ledgerProblems,
    targetRatio: TARGET_RATIO,
    pass: ok && ratio >= TARGET_RATIO,
  });
  return ok;
}
