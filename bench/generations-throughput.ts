/**
 * Throughput of paid generations end to end on the embedded stack (`start` entrypoint: Temporal
 * dev server + PostgreSQL + API + one worker), with an instant fake provider so the figure is
 * the system's own cost per job: HTTP, workflow start, three activities, ledger transactions.
 *
 *   node --import tsx bench/generations-throughput.ts [--jobs=1000] [--concurrency=50] [--users=50] [--timeout=240]
 *   (or BENCH_JOBS, BENCH_CONCURRENCY, BENCH_USERS, BENCH_TIMEOUT_S)
 *   node --import tsx bench/generations-throughput.ts --floor […]: against a minimal saga (generations-floor.ts)
 *
 * Jobs are POSTed through the API with at most `concurrency` requests in flight; completion is
 * seen in PostgreSQL (a count of terminal `generation_jobs` every 250 ms), not by polling the API
 * per job. Reports jobs/s from the first POST to the last `finished_at`, POST → finished_at and
 * POST latency percentiles, where the time goes, and the ledger check. Target ≥ 50 jobs/s.
 * Exits 1 when a job is lost, the run times out or the ledger check finds a problem.
 */
import os from 'node:os';
import { checkLedger, type LedgerProblem } from '../src/credits/check';
import type { Database } from '../src/db/client';
import { embeddedDatabaseUrl, makeDataDir, removeDataDir } from './support/data-dir';
import { BenchProcess, onInterrupt, runBench } from './support/entrypoint';
import { main as floorMain } from './generations-floor';
import { jobStackEnv, runJobs, shareOfJobs, stopStack, type JobRun } from './support/job-run';
import { stackPorts } from './support/ports';
import { cpuMeter, type PhaseCpu } from './support/cpu-meter';
import { pass, printBlock, printJsonLine, progress, releaseDataDir, type Row } from './support/report';
import { ApiClient, jobCounts, mapConcurrent, openDatabase, randomApiToken, waitForReady } from './support/stack';
import { intOption } from './support/options';
import { round, summary } from './support/stats';

const JOBS = intOption('jobs', 'BENCH_JOBS', 1_000);
const CONCURRENCY = intOption('concurrency', 'BENCH_CONCURRENCY', 50);
const USERS = Math.min(intOption('users', 'BENCH_USERS', 50), JOBS);
const TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT_S', 240) * 1_000;
const PRICE = 50;
const TARGET_JOBS_PER_S = 50;

/** One job as PostgreSQL saw it, in epoch ms (numeric columns arrive as strings). */
interface JobRow {
  id: string;
  status: string;
  created_ms: string;
  debited_ms: string | null;
  finished_ms: string | null;
}

async function main(): Promise<boolean> {
  const dataDir = makeDataDir('bench-throughput');
  onInterrupt(() => removeDataDir(dataDir));
  const ports = await stackPorts();
  const token = randomApiToken();
  const env = jobStackEnv(dataDir, ports, token, PRICE);
  progress(`DATA_DIR ${dataDir}; ${JOBS} jobs, ${CONCURRENCY} in flight, ${USERS} users`);

  const proc = BenchProcess.spawn('start', env);
  let db: Database | undefined;
  try {
    const api = await untilReady(proc, ports.api, token);
    const database = (db = openDatabase(embeddedDatabaseUrl(dataDir, ports.postgres)));
    const users = await seedUsers(api);
    const cpuOfRun = cpuMeter(proc.pid);
    const run = await postJobs(api, users, database);
    const cpu = cpuOfRun();
    progress(
      run.timedOut
        ? `TIMED OUT after ${(run.wallMs / 1000).toFixed(0)} s`
        : `all ${run.terminal} jobs terminal after ${(run.wallMs / 1000).toFixed(1)} s`,
    );
    const figures = await jobFigures(database, run);
    printReport(run, cpu, figures);
    return figures.ok;
  } finally {
    await db?.$client.end().catch(() => undefined);
    await stopStack(proc);
    releaseDataDir(dataDir);
  }
}

/** Waits for the stack's /readyz; the API client for it. */
async function untilReady(proc: BenchProcess, apiPort: number, token: string): Promise<ApiClient> {
  const readyAt = await waitForReady(`http://127.0.0.1:${apiPort}`, proc, 180_000);
  progress(`stack ready after ${((readyAt - proc.spawnedAt) / 1000).toFixed(1)} s`);
  return new ApiClient(`http://127.0.0.1:${apiPort}`, token);
}

/**
 * Every user gets exactly what its share of the jobs costs: a double debit would show up as
 * a rejected job, besides failing the ledger check.
 */
async function seedUsers(api: ApiClient): Promise<string[]> {
  const users = Array.from({ length: USERS }, (_, i) => `bench-user-${i}`);
  await mapConcurrent(users, 10, (id, u) => api.createUserWithCredits(id, shareOfJobs(JOBS, USERS, u) * PRICE));
  progress(`${USERS} users created and topped up`);
  return users;
}

/** The measured run: every job POSTed through the API, done when all are terminal in PostgreSQL. */
function postJobs(api: ApiClient, users: string[], database: Database): Promise<JobRun> {
  return runJobs({
    jobs: JOBS,
    concurrency: CONCURRENCY,
    timeoutMs: TIMEOUT_MS,
    send: (i) =>
      api.request(
        'POST',
        '/api/generations',
        { userId: users[i % USERS] as string, kind: 'story', prompt: `bench story ${i}` },
        { 'idempotency-key': `bench-${i}` },
      ),
    terminalCount: async () => (await jobCounts(database)).terminal,
  });
}

type JobFigures = Awaited<ReturnType<typeof jobFigures>>;

/** Per job: when the row was written (first activity), debited, finished; all by PostgreSQL's clock. */
async function jobFigures(database: Database, run: JobRun) {
  const { posts, accepted, timedOut } = run;
  const { rows } = await database.$client.query<JobRow>(`
      select j.id, j.status,
        extract(epoch from j.created_at) * 1000 as created_ms,
        extract(epoch from l.created_at) * 1000 as debited_ms,
        extract(epoch from j.finished_at) * 1000 as finished_ms
      from generation_jobs j left join credit_ledger l on l.job_id = j.id and l.reason = 'debit'`);
  const problems: LedgerProblem[] = await checkLedger(database);

  const byId = new Map(rows.map((r) => [r.id, r]));
  const firstPost = Math.min(...posts.map((p) => p.sentAt));
  const finished = accepted.map((p) => ({ post: p, row: byId.get(p.id as string) })).filter((x) => x.row?.finished_ms != null);
  const lastFinish = Math.max(...finished.map((x) => Number(x.row?.finished_ms)));
  const spanS = (lastFinish - firstPost) / 1000;
  const jobsPerS = finished.length / spanS;
  const endToEnd = finished.map((x) => Number(x.row?.finished_ms) - x.post.sentAt);
  const postMs = posts.map((p) => p.ms);
  const postSpanS = (Math.max(...posts.map((p) => p.sentAt + p.ms)) - firstPost) / 1000;
  const toCreated = finished.map((x) => Number(x.row?.created_ms) - x.post.sentAt);
  const createdToDebit = finished
    .filter((x) => x.row?.debited_ms != null)
    .map((x) => Number(x.row?.debited_ms) - Number(x.row?.created_ms));
  const debitToFinish = finished
    .filter((x) => x.row?.debited_ms != null)
    .map((x) => Number(x.row?.finished_ms) - Number(x.row?.debited_ms));
  const byStatus: Record<string, number> = {};
  for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  const postErrors = posts.filter((p) => !p.id);
  const lost = accepted.length - finished.length;
  const ok = !timedOut && problems.length === 0 && lost === 0 && postErrors.length === 0;
  return {
    problems,
    finished: finished.length,
    spanS,
    jobsPerS,
    postSpanS,
    byStatus,
    postErrors,
    lost,
    ok,
    e2e: summary(endToEnd, 0),
    post: summary(postMs, 0),
    toCreated: summary(toCreated, 0),
    createdToDebit: summary(createdToDebit, 0),
    debitToFinish: summary(debitToFinish, 0),
  };
}

function printReport(run: JobRun, cpuOfRun: PhaseCpu, f: JobFigures): void {
  const { wallMs, accepted, timedOut } = run;
  // otherS: what the rest of the machine used meanwhile (other users' tests, say): 0 on a quiet machine.
  const { stack: cpu, stackS: cpuTotal, benchS: benchCpuS, otherS: otherCpuS } = cpuOfRun;
  const { problems, finished, spanS, jobsPerS, postSpanS, byStatus, postErrors, lost, ok, e2e, post } = f;
  const ms = (s: { p50: number; p99: number }) => `p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms`;
  const rowsOut: Row[] = [
    ['jobs', `${JOBS} POSTed (${accepted.length} accepted, ${postErrors.length} errors), ${CONCURRENCY} in flight, ${USERS} users`],
    ['by status', JSON.stringify(byStatus)],
    [
      'throughput',
      `${jobsPerS.toFixed(1)} jobs/s   (${finished} jobs, first POST → last finished_at ${spanS.toFixed(2)} s)   target ≥ ${TARGET_JOBS_PER_S}: ${pass(jobsPerS >= TARGET_JOBS_PER_S)}`,
    ],
    ['POST → finished_at', `${ms(e2e)}, max ${e2e.max.toFixed(0)} ms`],
    [
      'POST latency',
      `${ms(post)}, max ${post.max.toFixed(0)} ms   (all POSTs sent within ${postSpanS.toFixed(2)} s = ${(JOBS / postSpanS).toFixed(0)} POST/s)`,
    ],
    [
      'ledger check',
      problems.length === 0
        ? 'no problems'
        : `${problems.length} PROBLEM(S): ${problems
            .slice(0, 5)
            .map((p) => `${p.subject}: ${p.detail}`)
            .join('; ')}`,
    ],
    ['', ''],
    ['where the time goes', '(per job, p50 / p99)'],
    ['  POST → job row written', `${ms(f.toCreated)}   (workflow start, first workflow task, createAndDebitJob)`],
    ['  row → debited', `${ms(f.createdToDebit)}   (0: one transaction since createAndDebitJob)`],
    ['  debited → finished', `${ms(f.debitToFinish)}   (generate with 0 ms latency, completeGenerationJob)`],
    [
      '  CPU during the run',
      `${Object.entries(cpu)
        .sort(([, a], [, b]) => b - a)
        .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
        .join(
          ', ',
        )}, bench client ${benchCpuS.toFixed(1)} s; stack uses ${((cpuTotal / (wallMs / 1000)) * 100).toFixed(0)}% of one core (of ${os.cpus().length})`,
    ],
    [
      '  per job (CPU)',
      `${((cpuTotal / Math.max(finished, 1)) * 1000).toFixed(0)} ms: ${Object.entries(cpu)
        .filter(([, v]) => v >= 0.05)
        .map(([name, v]) => `${name} ${((v / Math.max(finished, 1)) * 1000).toFixed(0)} ms`)
        .join(', ')}`,
    ],
    [
      '  other processes',
      `${otherCpuS.toFixed(1)} CPU-s during the run (${((otherCpuS / (wallMs / 1000)) * 100).toFixed(0)}% of one core)${otherCpuS / (wallMs / 1000) > 0.2 ? '   NOTE: the machine was not quiet' : ''}`,
    ],
    ['result', ok ? 'OK' : `FAILED${timedOut ? ' (timed out)' : ''}${lost ? ` (${lost} jobs not finished)` : ''}`],
  ];
  printBlock('generations throughput: POST /api/generations → completed (start entrypoint, fake provider 0 ms)', rowsOut);
  printJsonLine('generations-throughput', {
    jobs: JOBS,
    concurrency: CONCURRENCY,
    users: USERS,
    accepted: accepted.length,
    postErrors: postErrors.length,
    byStatus,
    jobsPerS: round(jobsPerS, 1),
    spanS: round(spanS, 2),
    postToFinishedMs: e2e,
    postLatencyMs: post,
    postToRowMs: f.toCreated,
    rowToDebitMs: f.createdToDebit,
    debitToFinishedMs: f.debitToFinish,
    cpuS: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v, 1)])),
    benchClientCpuS: round(benchCpuS, 1),
    cpuMsPerJob: round((cpuTotal / Math.max(finished, 1)) * 1000, 0),
    otherProcessesCpuS: round(otherCpuS, 1),
    ledgerProblems: problems.length,
    timedOut,
    targetJobsPerS: TARGET_JOBS_PER_S,
    pass: ok && jobsPerS >= TARGET_JOBS_PER_S,
  });
  if (postErrors.length > 0)
    process.stderr.write(
      `first POST errors: ${postErrors
        .slice(0, 3)
        .map((p) => `${p.status} ${p.error}`)
        .join('\n')}\n`,
    );
}

// `--floor`: the project's jobs against a minimal saga on the same stack (generations-floor.ts).
if (process.argv.includes('--floor')) runBench('generations floor', floorMain);
else runBench('throughput', main);
