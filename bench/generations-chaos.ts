/**
 * Money safety of paid generations while workers crash. Separate processes, as in production:
 * `infra` (embedded Temporal + PostgreSQL), one `api`, one `worker` at a time. The worker is
 * killed with SIGKILL (no clean-up code runs) and replaced, three times during the run.
 *
 *   node --import tsx bench/generations-chaos.ts [--jobs=300] [--users=30] [--timeout=240]
 *   (or BENCH_JOBS, BENCH_USERS, BENCH_TIMEOUT_S)
 *
 * The fake provider fails 20% of attempts and takes 200 ms; GENERATION_MAX_ATTEMPTS=1 turns every
 * failed attempt into a refund, and GENERATION_HEARTBEAT_TIMEOUT_MS=2000 (set on the api process:
 * the policy travels in the workflow input) makes a killed worker's attempts time out quickly.
 * At the end no credit may be lost (initial − balance − cost of completed jobs = 0 per user), no
 * job refunded twice and the ledger check must be clean; the bench exits 1 otherwise.
 */
import { checkLedger, type LedgerProblem } from '../src/credits/check';
import type { Database } from '../src/db/client';
import { embeddedDatabaseUrl, makeDataDir, removeDataDir } from './support/data-dir';
import { BenchProcess, onInterrupt, runBench } from './support/entrypoint';
import { shareOfJobs } from './support/job-run';
import { stackPorts, type StackPorts } from './support/ports';
import { printBlock, printJsonLine, progress, releaseDataDir, type Row } from './support/report';
import { ApiClient, jobCounts, mapConcurrent, openDatabase, randomApiToken, sleep, stackOverrides, waitForReady } from './support/stack';
import { intOption } from './support/options';
import { round, summary } from './support/stats';

const JOBS = intOption('jobs', 'BENCH_JOBS', 300);
const USERS = Math.min(intOption('users', 'BENCH_USERS', 30), JOBS);
const TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT_S', 240) * 1_000;
const CONCURRENCY = 20;
const PRICE = 50;
/** Kill the worker when these fractions of the jobs are terminal. */
const KILL_AT = [0.2, 0.45, 0.7];
const POLL_MS = 250;

interface Kill {
  /** Seconds since the first POST. */
  atS: number;
  terminalAtKill: number;
  /** Jobs with a row that were not terminal when the worker died (pending or processing). */
  inFlightAtKill: number;
  /** From SIGKILL to the replacement worker's "worker running" line. */
  replacedAfterS: number;
}

async function main(): Promise<boolean> {
  const dataDir = makeDataDir('bench-chaos');
  onInterrupt(() => removeDataDir(dataDir));
  const ports = await stackPorts();
  const token = randomApiToken();
  const started: BenchProcess[] = [];
  let db: Database | undefined;
  progress(`DATA_DIR ${dataDir}; ${JOBS} jobs, ${USERS} users, worker killed at ${KILL_AT.map((f) => `${f * 100}%`).join(', ')} terminal`);
  try {
    const common = await startInfra(dataDir, ports, started);
    const api = await startApi(common, ports.api, token, started);
    const startWorker = workerStarter(common, started);
    const worker = await startWorker();
    progress('api and worker #1 running');
    const database = (db = openDatabase(embeddedDatabaseUrl(dataDir, ports.postgres)));
    const { users, initial } = await seedUsers(api);
    const run = await runWithKills(api, users, database, worker, startWorker);
    const books = await theBooks(database, initial, run.sentAt);
    return printReport(run, books);
  } finally {
    await db?.$client.end().catch(() => undefined);
    await stopAll(started);
    releaseDataDir(dataDir);
  }
}

/** What the api and the workers share: the servers' addresses and the generation policy. */
type CommonEnv = Record<string, string>;

/** 1. The embedded servers alone; they print the addresses the other processes need. */
async function startInfra(dataDir: string, ports: StackPorts, started: BenchProcess[]): Promise<CommonEnv> {
  const infra = BenchProcess.spawn('infra', {
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.temporalUi),
    POSTGRES_PORT: String(ports.postgres),
    LOG_LEVEL: 'warn',
    ...stackOverrides(),
  });
  started.push(infra);
  const temporalAddress = (await infra.waitForLine(/^TEMPORAL_ADDRESS=(\S+)$/, 180_000)).match[1] as string;
  const databaseUrl = (await infra.waitForLine(/^DATABASE_URL=(\S+)$/, 10_000)).match[1] as string;
  progress(`infra up after ${((performance.now() - infra.spawnedAt) / 1000).toFixed(1)} s (Temporal ${temporalAddress})`);
  return {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    DATABASE_URL: databaseUrl,
    GENERATION_PRICES: JSON.stringify({ story: PRICE }),
    GENERATION_HEARTBEAT_TIMEOUT_MS: '2000',
    GENERATION_MAX_ATTEMPTS: '1',
  };
}

/** 2. The API (its generation policy goes into every workflow it starts). */
async function startApi(common: CommonEnv, port: number, token: string, started: BenchProcess[]): Promise<ApiClient> {
  const apiProc = BenchProcess.spawn('api', {
    ...common,
    PORT: String(port),
    API_TOKEN: token,
    LOG_LEVEL: 'warn',
    ...stackOverrides(),
  });
  started.push(apiProc);
  await waitForReady(`http://127.0.0.1:${port}`, apiProc, 120_000);
  return new ApiClient(`http://127.0.0.1:${port}`, token);
}

/** 3. One worker at a time; info logs carry its "worker running" ready line. */
function workerStarter(common: CommonEnv, started: BenchProcess[]): () => Promise<BenchProcess> {
  const workerEnv = {
    ...common,
    FAKE_PROVIDER_FAILURE_RATE: '0.2',
    FAKE_PROVIDER_LATENCY_MS: '200',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '2000',
    ...stackOverrides(),
  };
  let workers = 0;
  return async () => {
    const worker = BenchProcess.spawn('worker', workerEnv, `worker #${++workers}`);
    started.push(worker);
    await worker.waitForLine(/"msg":"worker running"/, 120_000);
    return worker;
  };
}

/** Each user gets what its share of the jobs costs; `initial` remembers it for the books. */
async function seedUsers(api: ApiClient): Promise<{ users: string[]; initial: Map<string, number> }> {
  const users = Array.from({ length: USERS }, (_, i) => `chaos-user-${i}`);
  const initial = new Map<string, number>();
  await mapConcurrent(users, 10, async (id, u) => {
    const credits = shareOfJobs(JOBS, USERS, u) * PRICE;
    await api.createUserWithCredits(id, credits);
    initial.set(id, credits);
  });
  return { users, initial };
}

interface ChaosRun {
  /** Epoch ms each accepted job was POSTed, by job id. */
  sentAt: Map<string, number>;
  counts: Awaited<ReturnType<typeof jobCounts>>;
  kills: Kill[];
  wallS: number;
  postErrors: string[];
  timedOut: boolean;
}

/** 4. Submit the jobs in the background; kill and replace the worker at the thresholds. */
async function runWithKills(
  api: ApiClient,
  users: string[],
  database: Database,
  firstWorker: BenchProcess,
  startWorker: () => Promise<BenchProcess>,
): Promise<ChaosRun> {
  let worker = firstWorker;
  const t0 = performance.now();
  const deadline = t0 + TIMEOUT_MS;
  const sentAt = new Map<string, number>();
  let postsDone = false;
  const postsPromise = postJobs(api, users, deadline, sentAt).finally(() => (postsDone = true));

  const kills: Kill[] = [];
  let counts = await jobCounts(database);
  let lastReport = performance.now();
  for (;;) {
    counts = await jobCounts(database);
    if (postsDone && counts.terminal >= sentAt.size) break;
    if (performance.now() > deadline) break;
    const threshold = KILL_AT[kills.length];
    if (threshold !== undefined && counts.terminal >= Math.ceil(threshold * JOBS)) {
      const atS = (performance.now() - t0) / 1000;
      const inFlight = (counts.byStatus.pending ?? 0) + (counts.byStatus.processing ?? 0);
      await worker.crash();
      const killedAt = performance.now();
      progress(`SIGKILL ${worker.label} at ${atS.toFixed(1)} s: ${counts.terminal} terminal, ${inFlight} in flight`);
      worker = await startWorker();
      kills.push({
        atS,
        terminalAtKill: counts.terminal,
        inFlightAtKill: inFlight,
        replacedAfterS: (performance.now() - killedAt) / 1000,
      });
      continue;
    }
    if (performance.now() - lastReport > 2_000) {
      progress(`terminal ${counts.terminal}/${JOBS}  ${JSON.stringify(counts.byStatus)}`);
      lastReport = performance.now();
    }
    await sleep(POLL_MS);
  }
  const wallS = (performance.now() - t0) / 1000;
  const postErrors = (await postsPromise).filter((e): e is string => e !== undefined);
  const timedOut = counts.terminal < sentAt.size;
  progress(timedOut ? `TIMED OUT after ${wallS.toFixed(0)} s` : `all ${counts.terminal} jobs terminal after ${wallS.toFixed(1)} s`);
  return { sentAt, counts, kills, wallS, postErrors, timedOut };
}

/** POSTs every job, `CONCURRENCY` in flight, noting in `sentAt` when each accepted one was sent; the errors, in order. */
function postJobs(api: ApiClient, users: string[], deadline: number, sentAt: Map<string, number>): Promise<(string | undefined)[]> {
  return mapConcurrent(
    Array.from({ length: JOBS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const sent = performance.timeOrigin + performance.now();
      if (performance.now() > deadline) return 'not sent: the run timed out';
      const response = await api
        .request(
          'POST',
          '/api/generations',
          { userId: users[i % USERS], kind: 'story', prompt: `chaos story ${i}` },
          { 'idempotency-key': `chaos-${i}` },
        )
        .catch((err: unknown) => ({ status: 0, body: String(err), ms: 0 }));
      if (response.status === 202) sentAt.set(response.body.id as string, sent);
      return response.status === 202 ? undefined : `${response.status} ${JSON.stringify(response.body)}`;
    },
  );
}

type Books = Awaited<ReturnType<typeof theBooks>>;

/** 5. The books. */
async function theBooks(database: Database, initial: Map<string, number>, sentAt: Map<string, number>) {
  const { rows: balances } = await database.$client.query<{ id: string; balance: string; completed_cost: string }>(`
      select u.id, u.balance, coalesce(sum(j.cost) filter (where j.status = 'completed'), 0) as completed_cost
      from users u left join generation_jobs j on j.user_id = u.id
      group by u.id, u.balance`);
  const lostByUser = balances
    .map((row) => ({ id: row.id, lost: (initial.get(row.id) ?? 0) - Number(row.balance) - Number(row.completed_cost) }))
    .filter((row) => row.lost !== 0);
  const lostCredits = lostByUser.reduce((sum, row) => sum + row.lost, 0);
  const duplicates = async (reason: string) =>
    (
      await database.$client.query<{ job_id: string; n: string }>(
        `select job_id, count(*) as n from credit_ledger where reason = $1 group by job_id having count(*) > 1`,
        [reason],
      )
    ).rows;
  const doubleRefunds = await duplicates('refund');
  const doubleDebits = await duplicates('debit');
  const problems: LedgerProblem[] = await checkLedger(database);
  const { rows: causes } = await database.$client.query<{ status: string; error: string; n: string }>(`
      select status, coalesce(left(error, 90), '') as error, count(*) as n
      from generation_jobs where status <> 'completed' group by 1, 2 order by 3 desc limit 8`);
  const { rows: finishes } = await database.$client.query<{ id: string; finished_ms: string }>(
    `select id, extract(epoch from finished_at) * 1000 as finished_ms from generation_jobs where finished_at is not null`,
  );
  const latencyS = finishes.filter((f) => sentAt.has(f.id)).map((f) => (Number(f.finished_ms) - (sentAt.get(f.id) as number)) / 1000);
  const refunds = Number(
    (await database.$client.query<{ n: string }>(`select count(*) as n from credit_ledger where reason = 'refund'`)).rows[0]?.n ?? 0,
  );
  return { lostByUser, lostCredits, doubleRefunds, doubleDebits, problems, causes, latencyS, refunds };
}

/** Prints the block and the JSON line; whether the run passed. */
function printReport(run: ChaosRun, books: Books): boolean {
  const { sentAt, counts, kills, wallS, postErrors, timedOut } = run;
  const { lostByUser, lostCredits, doubleRefunds, doubleDebits, problems, causes, latencyS, refunds } = books;
  const ok =
    !timedOut &&
    postErrors.length === 0 &&
    lostCredits === 0 &&
    lostByUser.length === 0 &&
    doubleRefunds.length === 0 &&
    doubleDebits.length === 0 &&
    problems.length === 0 &&
    kills.length === KILL_AT.length;
  const lat = summary(latencyS, 1);
  const rows: Row[] = [
    [
      'jobs',
      `${JOBS} POSTed (${sentAt.size} accepted${postErrors.length ? `, ${postErrors.length} errors: ${postErrors[0]}` : ''}), ${USERS} users`,
    ],
    [
      'by status',
      Object.entries(counts.byStatus)
        .map(([s, n]) => `${s} ${n}`)
        .join(', '),
    ],
    ...causes.map((c): Row => [`  ${c.status} ×${c.n}`, c.error]),
    ['refunds', `${refunds}`],
    ['', ''],
    [
      'lost credits',
      `${lostCredits}${
        lostByUser.length
          ? `   (${lostByUser.length} users: ${lostByUser
              .slice(0, 5)
              .map((u) => `${u.id} ${u.lost}`)
              .join(', ')})`
          : ''
      }   must be 0: ${lostCredits === 0 && lostByUser.length === 0 ? 'OK' : 'FAIL'}`,
    ],
    ['double refunds', `${doubleRefunds.length}   must be 0: ${doubleRefunds.length === 0 ? 'OK' : 'FAIL'}`],
    ['double debits', `${doubleDebits.length}   must be 0: ${doubleDebits.length === 0 ? 'OK' : 'FAIL'}`],
    [
      'checkLedger',
      problems.length === 0
        ? '[] (no problems)'
        : `${problems.length} PROBLEM(S): ${problems
            .slice(0, 5)
            .map((p) => `${p.subject}: ${p.detail}`)
            .join('; ')}`,
    ],
    ['', ''],
    [
      'worker kills (SIGKILL)',
      kills.length === KILL_AT.length ? `${kills.length}` : `${kills.length} of ${KILL_AT.length} (the run ended first)`,
    ],
    ...kills.map((k, i): Row => [
      `  #${i + 1} at ${k.atS.toFixed(1)} s`,
      `${k.terminalAtKill} terminal, ${k.inFlightAtKill} in flight; replacement running after ${k.replacedAfterS.toFixed(1)} s`,
    ]),
    ['POST → finished', `p50 ${lat.p50} s, p90 ${lat.p90} s, p99 ${lat.p99} s, max ${lat.max} s`],
    ['wall time', `${wallS.toFixed(1)} s   (first POST → all jobs terminal)${timedOut ? '   TIMED OUT' : ''}`],
    ['result', ok ? 'OK: no credit lost or doubled' : 'FAILED'],
  ];
  printBlock('generations chaos: worker SIGKILLed 3× (infra + api + worker processes)', rows);
  printJsonLine('generations-chaos', {
    jobs: JOBS,
    users: USERS,
    accepted: sentAt.size,
    postErrors: postErrors.length,
    byStatus: counts.byStatus,
    failureCauses: causes.map((c) => ({ status: c.status, error: c.error, n: Number(c.n) })),
    refunds,
    lostCredits,
    usersWithLostCredits: lostByUser.length,
    doubleRefunds: doubleRefunds.length,
    doubleDebits: doubleDebits.length,
    ledgerProblems: problems.length,
    kills: kills.map((k) => ({
      atS: round(k.atS, 1),
      terminalAtKill: k.terminalAtKill,
      inFlightAtKill: k.inFlightAtKill,
      replacedAfterS: round(k.replacedAfterS, 1),
    })),
    postToFinishedS: lat,
    wallS: round(wallS, 1),
    timedOut,
    pass: ok,
  });
  return ok;
}

/** Newest first: workers and the api before the servers they use. */
async function stopAll(started: BenchProcess[]): Promise<void> {
  for (const proc of [...started].reverse()) {
    const stop = await proc.stop();
    if (stop.leftovers.length > 0) process.stderr.write(`${proc.label}: killed leftovers ${JSON.stringify(stop.leftovers)}\n`);
  }
  progress('all processes stopped');
}

runBench('chaos', main);
