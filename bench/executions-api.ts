/**
 * The executions API on the embedded stack (`start` entrypoint: Temporal dev server on SQLite +
 * PostgreSQL + API/ingress + one worker), with the Telegram Bot API emulator running inside this
 * process and one bot (polling mode) bootstrapped by `start` from TELEGRAM_BOT_TOKEN /
 * TELEGRAM_BOT_FLOW: /start shows "Menu" with an inline button `count`; each press adds one to
 * chat.clicks and says "click <n>".
 *
 *   node --import tsx bench/executions-api.ts [--executions=10000] [--generations=500] [--users=100]
 *        [--requests=200] [--clicks=100] [--click-interval=200] [--probe-clicks=30] [--create-timeout=300]
 *   (or BENCH_EXECUTIONS, BENCH_GENERATIONS, BENCH_USERS, BENCH_REQUESTS, BENCH_CLICKS,
 *    BENCH_CLICK_INTERVAL_MS, BENCH_PROBE_CLICKS, BENCH_CREATE_TIMEOUT_S)
 *
 * 1. Listing. `--executions` real executions are created, the cheapest real way there is:
 *    `--generations` paid generations through `POST /api/generations` (fake provider, 0 ms; spread
 *    over `--users` users created and topped up through the API), so that `user=` has something to
 *    find, and the rest as chats: that many emulated users each send /start, the ingress (long
 *    polling, batches of 100) signal-with-starts `chatWorkflow`, the worker runs it, the bot
 *    answers "Menu". Chats stay running (idle timeout 24 h); generations complete. Creation ends
 *    when every chat got its "Menu", every job is terminal in PostgreSQL, and Temporal's own
 *    CountWorkflowExecutions (client.workflow.count, the RPC `temporal workflow count` uses)
 *    shows them all. Then `--requests` sequential `GET /api/executions` calls, in rounds of 8:
 *    no filter (limit 20), `user=`, `status=` (running / completed in turn), and a walk 5 pages
 *    deep (page 1 without filter, pages 2–5 with the cursor). After each API call the same
 *    visibility query is sent straight to Temporal over gRPC from the bench, to split the time
 *    between Temporal's visibility store and the API. Target: p50 ≤ 100 ms.
 * 2. SSE delivery delay. A new chat sends /start, then `GET /api/executions/:id/stream` is
 *    opened, then `--clicks` presses are sent `--click-interval` ms apart. Delay of a press = the
 *    SSE event of its `say` step arriving here − the emulator receiving the bot's "click <n>"
 *    (emulator on('call')). That anchor, rather than the step's own `at`: both ends are read on this
 *    process's clock, and the reply is the moment the user sees the result; the step is recorded
 *    right after that send returns, while `at` is workflow time (frozen at the start of the
 *    workflow activation, on another process's clock). The `at`-based figure is reported too.
 *    Target: p95 ≤ 200 ms. Then, with the stream closed, `--probe-clicks` more presses with a
 *    direct chatSteps query poller (every 10 ms) show when a step becomes queryable and what
 *    one query costs: the stream adds its 150 ms poll interval on top.
 *
 * Settings that differ from the defaults, for this bench: TELEGRAM_CHAT_RATE_PER_SECOND=20 and
 * TELEGRAM_CHAT_BURST=20 (Telegram's 1 message/s per chat would pace 5 presses/s), and
 * FLOOD_LIMIT_PER_MINUTE=1000 (the default 100 updates/min would drop the 101st update of the
 * SSE chat); TELEGRAM_BOT_RATE_PER_SECOND=1000 so that the bot can answer the population's
 * /start faster than Telegram's 30 messages/s per bot would let it.
 *
 * Exits 1 on a correctness failure (a reply lost, duplicated or out of order, a press not
 * answered, a failed send or generation, a listing that breaks its filter or repeats an item
 * across pages, an SSE stream with a gap, a repeat or an early end); a missed target is reported,
 * never an exit code. Fewer executions than asked within --create-timeout is reported and the
 * figures are labelled with what was there.
 */
import path from 'node:path';
import { connectBenchClient } from './support/temporal-connection';
import type { Client } from '@temporalio/client';
import { type TelegramEmulator, type BotIdentity, type EmulatedUser, type RecordedCall } from '../src/telegram-emulator';
import { chatIdParam } from '../src/telegram-emulator/request-params';
import { chatWorkflowId } from '../src/temporal/workflow-ids';
import { chatSteps } from '../src/temporal/chat-messages';
import type { ChatStep } from '../src/workflows/chat/types';
import { embeddedDatabaseUrl, fileSize } from './support/data-dir';
import { type BenchProcess, runBench, whileRunning } from './support/entrypoint';
import { cpuJson, cpuLine, cpuMeter, type PhaseCpu } from './support/cpu-meter';
import { pass, printBlock, printJsonLine, progress, type Row } from './support/report';
import { SseStream } from './support/sse';
import { type ApiClient, jobCounts, mapConcurrent, openDatabase, sleep } from './support/stack';
import { countOption, intOption } from './support/options';
import { epochNow } from './support/clock';
import { type Dist, dist, formatDist, ms, percentile, round } from './support/stats';
import { counterFlow } from './support/counter-flow';
import { startChatStack, type ChatStack } from './support/chat-stack';

const EXECUTIONS = intOption('executions', 'BENCH_EXECUTIONS', 10_000);
const GENERATIONS = Math.min(countOption('generations', 'BENCH_GENERATIONS', 500), EXECUTIONS);
const CHATS = EXECUTIONS - GENERATIONS;
const USERS = Math.max(1, Math.min(intOption('users', 'BENCH_USERS', 100), Math.max(GENERATIONS, 1)));
const REQUESTS = intOption('requests', 'BENCH_REQUESTS', 200);
const CLICKS = intOption('clicks', 'BENCH_CLICKS', 100);
const CLICK_INTERVAL_MS = intOption('click-interval', 'BENCH_CLICK_INTERVAL_MS', 200);
const PROBE_CLICKS = countOption('probe-clicks', 'BENCH_PROBE_CLICKS', 30);
const CREATE_TIMEOUT_MS = intOption('create-timeout', 'BENCH_CREATE_TIMEOUT_S', 300) * 1_000;

const PRICE = 50;
const PAGE_SIZE = 20;
const PAGES = 5;
const ROUND = ['no filter', 'user', 'status', 'page 1', 'page 2', 'page 3', 'page 4', 'page 5'] as const;
const WARMUP_REQUESTS = 5;
const GENERATION_CONCURRENCY = 8;
/** Population chats sent and not yet answered, at most. */
const CHAT_WINDOW = 200;
const READY_TIMEOUT_MS = 180_000;
const SETUP_TIMEOUT_MS = 60_000;
/** How long after the last press every reply and step must have arrived. */
const DRAIN_MS = 30_000;
/** The stream's own poll interval (src/api/executions.ts). */
const STREAM_POLL_MS = 150;
const PROBE_POLL_MS = 10;

const TARGET_LIST_P50_MS = 100;
const TARGET_SSE_P95_MS = 200;

/** Polls `done` every `intervalMs` until it is true, the stack exits or `timeoutMs` passes; false on timeout. */
async function until(proc: BenchProcess, done: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (!proc.running) throw new Error(`the stack exited. Output:\n${proc.tail()}`);
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** Everything the bench shares between its phases. */
interface Context {
  proc: BenchProcess;
  api: ApiClient;
  apiUrl: string;
  apiToken: string;
  temporal: Client;
  db: ReturnType<typeof openDatabase>;
  emulator: TelegramEmulator;
  bot: BotIdentity;
  dataDir: string;
  /** Collects correctness failures (each one makes the bench exit 1). */
  failures: string[];
  /** The emulator's Bot API calls go to whichever phase listens now. */
  onCall: (call: RecordedCall) => void;
}

// ---------------------------------------------------------------------------------------------
// Phase 1a: the executions.

interface Population {
  chats: number;
  chatsReplied: number;
  users: string[];
  jobsPerUser: Map<string, number>;
  accepted: number;
  jobStatus: Record<string, number>;
  visible: { total: number; chats: number; generationsCompleted: number };
  /** One CountWorkflowExecutions call, ms (the last one made). */
  countMs: number;
  complete: boolean;
  setupS: number;
  wallS: number;
  chatSpanS: number;
  generationSpanS: number;
  /** From the moment every chat had replied and every job was terminal to the counts matching. */
  visibilityLagS: number;
  cpu: PhaseCpu;
  sqliteBytes: number;
}

const countQuery = {
  chats: `WorkflowType = 'chatWorkflow'`,
  generationsCompleted: `WorkflowType = 'generationWorkflow' AND ExecutionStatus = 'Completed'`,
};

async function visibleCounts(ctx: Context): Promise<{ total: number; chats: number; generationsCompleted: number; ms: number }> {
  const started = performance.now();
  const total = (await ctx.temporal.workflow.count()).count;
  const ms = performance.now() - started;
  const chats = (await ctx.temporal.workflow.count(countQuery.chats)).count;
  const generationsCompleted = (await ctx.temporal.workflow.count(countQuery.generationsCompleted)).count;
  return { total, chats, generationsCompleted, ms };
}

async function createPopulation(ctx: Context): Promise<Population> {
  const setupStart = performance.now();
  const users = Array.from({ length: GENERATIONS > 0 ? USERS : 0 }, (_, i) => `bench-exec-user-${i}`);
  const jobsPerUser = new Map(users.map((u, i) => [u, Math.floor(GENERATIONS / USERS) + (i < GENERATIONS % USERS ? 1 : 0)]));
  await mapConcurrent(users, 8, (id) => ctx.api.createUserWithCredits(id, (jobsPerUser.get(id) ?? 0) * PRICE));
  const setupS = (performance.now() - setupStart) / 1000;
  progress(`${users.length} users created and topped up in ${setupS.toFixed(1)} s; creating ${CHATS} chats and ${GENERATIONS} generations`);

  const popChats = new Set<number>();
  const replied = new Set<number>();
  let firstStartAt = Number.NaN;
  let lastMenuAt = Number.NaN;
  ctx.onCall = (call) => {
    if (call.method.toLowerCase() !== 'sendmessage') return;
    const chatId = chatIdParam(call.params);
    if (chatId === undefined || !popChats.has(chatId)) return;
    if (!call.response.ok) {
      ctx.failures.push(`population chat ${chatId}: sendMessage failed: ${JSON.stringify(call.response).slice(0, 200)}`);
      return;
    }
    if (call.params.text !== 'Menu') ctx.failures.push(`population chat ${chatId}: unexpected message ${JSON.stringify(call.params.text)}`);
    else if (replied.has(chatId)) ctx.failures.push(`population chat ${chatId}: "Menu" sent twice`);
    else {
      replied.add(chatId);
      lastMenuAt = call.at;
    }
  };

  const meter = cpuMeter(ctx.proc.pid);
  const wallStart = performance.now();
  const deadline = wallStart + CREATE_TIMEOUT_MS;

  // Generations: through the API, bounded in flight, each user getting exactly what its share costs.
  let postsDone = false;
  let firstPostAt = Number.NaN;
  const postErrors: string[] = [];
  const jobs = Array.from({ length: GENERATIONS }, (_, i) => i);
  const posts = mapConcurrent(jobs, GENERATION_CONCURRENCY, async (i) => {
    if (performance.now() > deadline) return false;
    const userId = users[i % users.length] as string;
    if (Number.isNaN(firstPostAt)) firstPostAt = epochNow();
    try {
      const response = await ctx.api.request(
        'POST',
        '/api/generations',
        { userId, kind: 'story', prompt: `bench story ${i}` },
        { 'idempotency-key': `bench-exec-${i}` },
      );
      if (response.status === 202) return true;
      postErrors.push(`${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
    } catch (err) {
      postErrors.push(String(err));
    }
    return false;
  }).finally(() => (postsDone = true));

  // Chats: users say /start, at most CHAT_WINDOW unanswered at a time (so that creation can stop
  // cleanly at the deadline); the ingress fetches them 100 at a time (long polling).
  let started = 0;
  let injecting = true;
  firstStartAt = epochNow();
  const injector = (async () => {
    while (started < CHATS && performance.now() < deadline && ctx.proc.running) {
      const room = CHAT_WINDOW - (started - replied.size);
      for (let k = 0; k < room && started < CHATS; k++) {
        const user = ctx.emulator.user(ctx.bot.id, { firstName: `Pop ${started + 1}` });
        popChats.add(user.chatId);
        user.sendText('/start');
        started += 1;
      }
      await sleep(10);
    }
  })().finally(() => (injecting = false));

  let accepted = 0;
  let counts = await jobCounts(ctx.db);
  let visible = { total: 0, chats: 0, generationsCompleted: 0, ms: Number.NaN };
  let workDoneAt = Number.NaN;
  let generationsDoneAt = Number.NaN;
  let timedOut = false;
  let lastReport = performance.now();
  for (let iteration = 0; ; iteration++) {
    if (!ctx.proc.running) throw new Error(`the stack exited while creating executions. Output:\n${ctx.proc.tail()}`);
    counts = await jobCounts(ctx.db);
    if (postsDone) accepted = (await posts).filter(Boolean).length;
    const generationsDone = postsDone && counts.terminal >= accepted;
    if (generationsDone && Number.isNaN(generationsDoneAt)) generationsDoneAt = epochNow();
    const workDone = generationsDone && !injecting && replied.size >= started;
    if (workDone && Number.isNaN(workDoneAt)) workDoneAt = epochNow();
    if (workDone || iteration % 8 === 0) visible = await visibleCounts(ctx);
    if (workDone && visible.chats >= started && visible.generationsCompleted >= accepted) break;
    if (performance.now() > deadline && !timedOut) {
      timedOut = true;
      progress(
        `creation stopped after ${CREATE_TIMEOUT_MS / 1000} s (${started} chats, ${accepted || 'some'} generations sent); letting what was sent finish`,
      );
    }
    if (performance.now() > deadline + DRAIN_MS) {
      progress(`TIMED OUT: work still unfinished ${DRAIN_MS / 1000} s after the creation deadline; measuring with what is there`);
      visible = await visibleCounts(ctx);
      break;
    }
    if (performance.now() - lastReport >= 5_000) {
      progress(
        `chats replied ${replied.size}/${CHATS}, jobs terminal ${counts.terminal}/${GENERATIONS}; ` +
          `visible: ${visible.total} (chats ${visible.chats}, generations completed ${visible.generationsCompleted}); ` +
          `${((performance.now() - wallStart) / 1000).toFixed(0)} s`,
      );
      lastReport = performance.now();
    }
    await sleep(250);
  }
  await injector;
  const complete = !timedOut && started === CHATS && accepted === GENERATIONS && replied.size >= CHATS;
  const visibleAt = epochNow();
  const wallS = (performance.now() - wallStart) / 1000;
  const cpu = meter();
  if (postErrors.length > 0) ctx.failures.push(`${postErrors.length} POST /api/generations failed, first: ${postErrors[0]}`);
  // With an instant, never-failing fake provider every job completes; unfinished ones only after a timeout.
  const badJobs = Object.entries(counts.byStatus).filter(
    ([status]) => status !== 'completed' && (complete || ['failed', 'cancelled', 'rejected'].includes(status)),
  );
  if (badJobs.length > 0) ctx.failures.push(`generation jobs not completed: ${JSON.stringify(Object.fromEntries(badJobs))}`);
  if (visible.chats > started) ctx.failures.push(`visibility counts ${visible.chats} chat executions for ${started} chats`);
  const dataDirFile = (name: string) => path.join(ctx.dataDir, name);
  const sqliteBytes = fileSize(dataDirFile('temporal.sqlite')) + fileSize(dataDirFile('temporal.sqlite-wal'));
  const lastFinished = await ctx.db.$client.query<{ last: string | null }>(
    'select extract(epoch from max(finished_at)) * 1000 as last from generation_jobs',
  );
  const lastFinishedAt = Number(lastFinished.rows[0]?.last ?? Number.NaN);
  return {
    chats: started,
    chatsReplied: replied.size,
    users,
    jobsPerUser,
    accepted,
    jobStatus: counts.byStatus,
    visible: { total: visible.total, chats: visible.chats, generationsCompleted: visible.generationsCompleted },
    countMs: visible.ms,
    complete,
    setupS,
    wallS,
    chatSpanS: (lastMenuAt - firstStartAt) / 1000,
    generationSpanS: GENERATIONS > 0 ? ((Number.isFinite(lastFinishedAt) ? lastFinishedAt : generationsDoneAt) - firstPostAt) / 1000 : 0,
    visibilityLagS: Number.isNaN(workDoneAt) ? Number.NaN : (visibleAt - workDoneAt) / 1000,
    cpu,
    sqliteBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 1b: GET /api/executions.

type ListClass = 'no filter' | 'user' | 'status' | 'cursor';

interface ListSample {
  cls: ListClass;
  /** 1 for a first page, 2…5 along the cursor walk. */
  page: number;
  apiMs: number;
  directMs: number;
}

interface Listing {
  samples: ListSample[];
  cpu: PhaseCpu;
}

interface ExecutionItem {
  workflowId: string;
  type: string | null;
  status: string;
  userId: string | null;
}

async function measureListing(ctx: Context, population: Population): Promise<Listing> {
  const namespace = ctx.temporal.options.namespace;
  const direct = async (query: string, cursor: string | null): Promise<number> => {
    const started = performance.now();
    await ctx.temporal.workflowService.listWorkflowExecutions({
      namespace,
      query,
      pageSize: PAGE_SIZE,
      nextPageToken: cursor ? Buffer.from(cursor, 'base64url') : undefined,
    });
    return performance.now() - started;
  };
  const list = async (params: string, what: string) => {
    const response = await ctx.api.request('GET', `/api/executions?${params}`);
    if (response.status !== 200) {
      ctx.failures.push(`GET /api/executions?${params}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      return { ms: response.ms, items: [] as ExecutionItem[], nextCursor: null as string | null };
    }
    const body = response.body as { items: ExecutionItem[]; nextCursor: string | null };
    if (!Array.isArray(body.items)) ctx.failures.push(`${what}: no items array`);
    return { ms: response.ms, items: body.items ?? [], nextCursor: body.nextCursor };
  };
  const problem = (message: string) => {
    if (ctx.failures.length < 50) ctx.failures.push(message);
  };

  // Warm-up, not measured: the API's and the bench's connections, Temporal's statement cache.
  for (let i = 0; i < WARMUP_REQUESTS; i++) await list(`limit=${PAGE_SIZE}`, 'warm-up');
  await direct('', null);

  const fullPage = Math.min(PAGE_SIZE, population.visible.total);
  const samples: ListSample[] = [];
  const meter = cpuMeter(ctx.proc.pid);
  for (let r = 0; samples.length < REQUESTS; r++) {
    let cursor: string | null = null;
    const seen = new Set<string>();
    for (const step of ROUND) {
      if (samples.length >= REQUESTS) break;
      if (step === 'no filter') {
        const page = await list(`limit=${PAGE_SIZE}`, 'no filter');
        if (page.items.length !== fullPage) problem(`no filter: ${page.items.length} items, expected ${fullPage}`);
        samples.push({ cls: 'no filter', page: 1, apiMs: page.ms, directMs: await direct('', null) });
      } else if (step === 'user') {
        if (population.users.length === 0) continue;
        const user = population.users[r % population.users.length] as string;
        const page = await list(`user=${encodeURIComponent(user)}&limit=${PAGE_SIZE}`, 'user');
        const expected = Math.min(PAGE_SIZE, population.jobsPerUser.get(user) ?? 0);
        if (page.items.some((i) => i.userId !== user || i.type !== 'generation'))
          problem(`user=${user}: an item of another user or type: ${JSON.stringify(page.items[0])}`);
        if (population.complete && page.items.length !== expected)
          problem(`user=${user}: ${page.items.length} items, expected ${expected}`);
        samples.push({ cls: 'user', page: 1, apiMs: page.ms, directMs: await direct(`UserId = '${user}'`, null) });
      } else if (step === 'status') {
        const status = r % 2 === 0 ? 'running' : 'completed';
        const page = await list(`status=${status}&limit=${PAGE_SIZE}`, 'status');
        if (page.items.some((i) => i.status !== status))
          problem(`status=${status}: an item with status ${page.items.find((i) => i.status !== status)?.status}`);
        const available = status === 'running' ? population.visible.chats : population.visible.generationsCompleted;
        if (population.complete && page.items.length !== Math.min(PAGE_SIZE, available))
          problem(`status=${status}: ${page.items.length} items, expected ${Math.min(PAGE_SIZE, available)}`);
        samples.push({
          cls: 'status',
          page: 1,
          apiMs: page.ms,
          directMs: await direct(`ExecutionStatus = '${status === 'running' ? 'Running' : 'Completed'}'`, null),
        });
      } else {
        const pageNumber = Number(step.slice('page '.length));
        if (pageNumber > 1 && !cursor) {
          if (population.visible.total > (pageNumber - 1) * PAGE_SIZE) problem(`cursor walk: no nextCursor after page ${pageNumber - 1}`);
          continue;
        }
        const used: string | null = cursor;
        const page = await list(`limit=${PAGE_SIZE}${used ? `&cursor=${encodeURIComponent(used)}` : ''}`, `page ${pageNumber}`);
        const expected = Math.max(0, Math.min(PAGE_SIZE, population.visible.total - (pageNumber - 1) * PAGE_SIZE));
        if (population.complete && page.items.length !== expected)
          problem(`cursor walk page ${pageNumber}: ${page.items.length} items, expected ${expected}`);
        for (const item of page.items) {
          if (seen.has(item.workflowId)) problem(`cursor walk: ${item.workflowId} on two pages`);
          seen.add(item.workflowId);
        }
        cursor = page.nextCursor;
        samples.push({
          cls: pageNumber === 1 ? 'no filter' : 'cursor',
          page: pageNumber,
          apiMs: page.ms,
          directMs: await direct('', used),
        });
      }
    }
  }
  return { samples, cpu: meter() };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: the live stream of one chat's steps, and a direct query probe.

/** One chat of the bench bot, with what the emulator saw of it. */
class TrackedChat {
  readonly user: EmulatedUser;
  readonly chatId: number;
  readonly workflowId: string;
  menuAt = Number.NaN;
  /** Emulator receipt time of "click <n>", by n (first one; repeats counted as failures). */
  readonly replyAt = new Map<number, number>();
  readonly replyOrder: number[] = [];
  readonly answers = new Map<string, number>();
  unexpected: string[] = [];

  constructor(private readonly ctx: Context) {
    this.user = ctx.emulator.user(ctx.bot.id, { firstName: 'Stream' });
    this.chatId = this.user.chatId;
    this.workflowId = chatWorkflowId(String(ctx.bot.id), this.chatId);
  }

  readonly onCall = (call: RecordedCall): void => {
    const method = call.method.toLowerCase();
    if (method === 'answercallbackquery') {
      const id = String(call.params.callback_query_id);
      if (this.answers.has(id)) {
        if (call.response.ok) this.answers.set(id, (this.answers.get(id) ?? 0) + 1);
      } else if (call.response.ok) this.answers.set(id, 1);
      return;
    }
    if (method !== 'sendmessage' || chatIdParam(call.params) !== this.chatId) return;
    if (!call.response.ok) {
      this.ctx.failures.push(`stream chat: sendMessage failed: ${JSON.stringify(call.response).slice(0, 200)}`);
      return;
    }
    const text = String(call.params.text);
    const click = /^click (\d+)$/.exec(text);
    if (text === 'Menu' && Number.isNaN(this.menuAt)) this.menuAt = call.at;
    else if (click) {
      const n = Number(click[1]);
      if (this.replyAt.has(n)) this.ctx.failures.push(`stream chat: "click ${n}" sent twice`);
      else {
        this.replyAt.set(n, call.at);
        this.replyOrder.push(n);
      }
    } else this.unexpected.push(text);
  };

  /** Presses the button `count` times, `intervalMs` apart on a fixed schedule; returns press times and callback ids. */
  async press(count: number, intervalMs: number): Promise<{ at: number[]; callbackIds: string[] }> {
    const at: number[] = [];
    const callbackIds: string[] = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      at.push(epochNow());
      callbackIds.push(this.user.pressButton('count').callback_query.id);
    }
    return { at, callbackIds };
  }
}

interface StreamedStep {
  seq: number;
  step: ChatStep;
  receivedAt: number;
}

interface SseResult {
  clicks: number;
  /** SSE arrival of the say step − emulator receipt of the matching reply. */
  delay: number[];
  /** SSE arrival − the step's own end in workflow time (at + durationMs), every step of the presses. */
  delayVsStepTime: number[];
  pressToReply: number[];
  pressToSse: number[];
  events: number;
  cpu: PhaseCpu;
  continuedAsNew: boolean;
}

async function measureStream(ctx: Context, chat: TrackedChat): Promise<SseResult> {
  ctx.onCall = chat.onCall;
  chat.user.sendText('/start');
  if (!(await until(ctx.proc, () => !Number.isNaN(chat.menuAt), SETUP_TIMEOUT_MS))) throw new Error('stream chat: no "Menu" after /start');
  const runBefore = (await ctx.temporal.workflow.getHandle(chat.workflowId).describe()).runId;

  const stream = new SseStream(
    `${ctx.apiUrl}/api/executions/${chat.workflowId}/stream`,
    { authorization: `Bearer ${ctx.apiToken}` },
    epochNow,
  );
  const streamed: StreamedStep[] = [];
  stream.onEvent((event) => {
    if (event.event !== 'step') return;
    try {
      const step = JSON.parse(event.data) as ChatStep;
      const seq = Number(event.id);
      if (seq !== step.seq) ctx.failures.push(`SSE: event id ${event.id} for step seq ${step.seq}`);
      streamed.push({ seq, step, receivedAt: event.receivedAt });
    } catch {
      ctx.failures.push(`SSE: unparsable data ${event.data.slice(0, 100)}`);
    }
  });
  try {
    await whileRunning(ctx.proc, stream.opened, 'opening the stream', SETUP_TIMEOUT_MS);
    if (stream.status !== 200 || !stream.contentType?.includes('text/event-stream')) {
      throw new Error(`stream: HTTP ${stream.status} ${stream.contentType}`);
    }
    // The backlog: the steps of /start (input, start, menu) come in the first poll.
    if (!(await until(ctx.proc, () => streamed.some((s) => s.step.nodeId === 'menu'), SETUP_TIMEOUT_MS)))
      throw new Error('stream: the steps of /start never arrived');
    await sleep(500);
    const baseline = streamed.length;
    progress(`stream open (${baseline} backlog steps); ${CLICKS} presses ${CLICK_INTERVAL_MS} ms apart`);

    const meter = cpuMeter(ctx.proc.pid);
    const presses = await chat.press(CLICKS, CLICK_INTERVAL_MS);
    const says = () => streamed.slice(baseline).filter((s) => s.step.nodeId === 'say');
    const arrived = await until(ctx.proc, () => chat.replyAt.size >= CLICKS && says().length >= CLICKS, DRAIN_MS, 50);
    // A little longer: a repeated step or reply would show up now.
    await sleep(1_000);
    const cpu = meter();
    if (stream.ended) ctx.failures.push(`SSE: the stream ended early${stream.error ? ` (${stream.error})` : ''}`);
    stream.close();

    if (!arrived)
      ctx.failures.push(
        `stream chat: after ${DRAIN_MS / 1000} s, ${chat.replyAt.size}/${CLICKS} replies and ${says().length}/${CLICKS} say steps`,
      );
    checkReplies(ctx, chat, 1, CLICKS, presses.callbackIds);
    for (let i = 1; i < streamed.length; i++) {
      const gap = (streamed[i] as StreamedStep).seq - (streamed[i - 1] as StreamedStep).seq;
      if (gap !== 1) {
        ctx.failures.push(`SSE: step ${(streamed[i - 1] as StreamedStep).seq} followed by ${(streamed[i] as StreamedStep).seq}`);
        break;
      }
    }
    if (says().length > CLICKS) ctx.failures.push(`SSE: ${says().length} say steps for ${CLICKS} presses`);

    const delay: number[] = [];
    const pressToReply: number[] = [];
    const pressToSse: number[] = [];
    says()
      .slice(0, CLICKS)
      .forEach((s, k) => {
        const reply = chat.replyAt.get(k + 1);
        const pressed = presses.at[k] as number;
        if (reply === undefined) return;
        if (s.receivedAt < reply) ctx.failures.push(`SSE: say step ${s.seq} arrived before the reply "click ${k + 1}"`);
        delay.push(s.receivedAt - reply);
        pressToReply.push(reply - pressed);
        pressToSse.push(s.receivedAt - pressed);
      });
    const delayVsStepTime = streamed.slice(baseline).map((s) => s.receivedAt - (s.step.at + s.step.durationMs));
    const runAfter = (await ctx.temporal.workflow.getHandle(chat.workflowId).describe()).runId;
    return {
      clicks: CLICKS,
      delay,
      delayVsStepTime,
      pressToReply,
      pressToSse,
      events: streamed.length - baseline,
      cpu,
      continuedAsNew: runAfter !== runBefore,
    };
  } finally {
    stream.close();
  }
}

/** Every reply from..to exactly once and in order, every press answered exactly once, nothing else said. */
function checkReplies(ctx: Context, chat: TrackedChat, from: number, to: number, callbackIds: string[]): void {
  const missing: number[] = [];
  for (let n = from; n <= to; n++) if (!chat.replyAt.has(n)) missing.push(n);
  if (missing.length > 0)
    ctx.failures.push(`stream chat: no reply "click n" for n = ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ' …' : ''}`);
  const order = chat.replyOrder.filter((n) => n >= from && n <= to);
  if (order.some((n, i) => i > 0 && n < (order[i - 1] as number)))
    ctx.failures.push(`stream chat: replies out of order: ${order.slice(0, 20).join(', ')}`);
  const unanswered = callbackIds.filter((id) => chat.answers.get(id) !== 1);
  if (unanswered.length > 0) ctx.failures.push(`stream chat: ${unanswered.length} presses not answered exactly once`);
  if (chat.unexpected.length > 0) ctx.failures.push(`stream chat: unexpected messages ${JSON.stringify(chat.unexpected.slice(0, 3))}`);
}

interface ProbeResult {
  clicks: number;
  /** Reply at the emulator → the first chatSteps query showing its say step returned (upper bound). */
  replyToQueryable: number[];
  queryRtt: number[];
}

async function probeQueries(ctx: Context, chat: TrackedChat): Promise<ProbeResult> {
  const handle = ctx.temporal.workflow.getHandle(chat.workflowId);
  const existing = await handle.query(chatSteps, 0);
  let after = existing.at(-1)?.seq ?? 0;
  const seenAt: number[] = [];
  const queryRtt: number[] = [];
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      const started = epochNow();
      const steps = await handle.query(chatSteps, after);
      const returned = epochNow();
      queryRtt.push(returned - started);
      for (const step of steps) {
        if (step.nodeId === 'say') seenAt.push(returned);
        after = step.seq;
      }
      await sleep(PROBE_POLL_MS);
    }
  })();
  try {
    const first = CLICKS + 1;
    const presses = await chat.press(PROBE_CLICKS, CLICK_INTERVAL_MS);
    const arrived = await until(ctx.proc, () => seenAt.length >= PROBE_CLICKS && chat.replyAt.size >= CLICKS + PROBE_CLICKS, DRAIN_MS, 50);
    await sleep(500);
    if (!arrived) ctx.failures.push(`probe: ${seenAt.length}/${PROBE_CLICKS} say steps seen by the query poller`);
    checkReplies(ctx, chat, first, CLICKS + PROBE_CLICKS, presses.callbackIds);
    const replyToQueryable = seenAt
      .slice(0, PROBE_CLICKS)
      .map((t, k) => t - (chat.replyAt.get(first + k) ?? Number.NaN))
      .filter(Number.isFinite);
    return { clicks: PROBE_CLICKS, replyToQueryable, queryRtt };
  } finally {
    stop = true;
    await poller.catch((err: unknown) => ctx.failures.push(`probe: query failed: ${String(err)}`));
  }
}

// ---------------------------------------------------------------------------------------------

/** The settings that differ from the stack's defaults, for this bench (see the header). */
const benchSettings = {
  TELEGRAM_CHAT_RATE_PER_SECOND: '20',
  TELEGRAM_CHAT_BURST: '20',
  TELEGRAM_BOT_RATE_PER_SECOND: '1000',
  FLOOD_LIMIT_PER_MINUTE: '1000',
  FAKE_PROVIDER_LATENCY_MS: '0',
};

/** The stack with the emulator in this process and one bot (polling), the counter flow published for it. */
function startStack(): Promise<ChatStack> {
  // The emulator's clock: this process's (sub-millisecond epoch time).
  return startChatStack({
    name: 'bench-executions',
    flow: counterFlow,
    clock: epochNow,
    mode: 'polling',
    env: { GENERATION_PRICES: JSON.stringify({ story: PRICE }), ...benchSettings },
    describe: `${EXECUTIONS} executions (${CHATS} chats + ${GENERATIONS} generations), ${REQUESTS} list requests, ${CLICKS} presses`,
  });
}

/** Waits for the stack and the bot's bootstrap; connects to Temporal and PostgreSQL. */
async function connect(stack: ChatStack): Promise<Context> {
  await stack.ready(READY_TIMEOUT_MS, SETUP_TIMEOUT_MS);
  const { client: temporal } = await connectBenchClient(stack.env, `127.0.0.1:${stack.ports.temporal}`, {
    namespace: 'default',
  });
  const db = openDatabase(embeddedDatabaseUrl(stack.dataDir, stack.ports.postgres));
  const ctx: Context = {
    proc: stack.proc,
    api: stack.api,
    apiUrl: stack.apiUrl,
    apiToken: stack.apiToken,
    temporal,
    db,
    emulator: stack.emulator,
    bot: stack.bot,
    dataDir: stack.dataDir,
    failures: [],
    onCall: () => undefined,
  };
  // The emulator's Bot API calls go to whichever phase listens now (ctx.onCall).
  stack.emulator.on('call', (call: RecordedCall) => ctx.onCall(call));
  return ctx;
}

/** The result block and the JSON line; true when nothing was incorrect. */
function report(ctx: Context, population: Population, listing: Listing, sse: SseResult, probe: ProbeResult): boolean {
  const all = listing.samples;
  const apiAll = dist(all.map((s) => s.apiMs));
  const directAll = dist(all.map((s) => s.directMs));
  const byClass = (cls: ListClass) => all.filter((s) => s.cls === cls);
  const classes: { cls: ListClass; label: string }[] = [
    { cls: 'no filter', label: `no filter, limit ${PAGE_SIZE}` },
    { cls: 'user', label: 'user=<id>' },
    { cls: 'status', label: 'status=running|completed' },
    { cls: 'cursor', label: `cursor, pages 2–${PAGES}` },
  ];
  const classFigures = Object.fromEntries(
    classes.map(({ cls }) => [cls, { api: dist(byClass(cls).map((s) => s.apiMs)), direct: dist(byClass(cls).map((s) => s.directMs)) }]),
  );
  const pageP50 = Array.from({ length: PAGES }, (_, i) =>
    round(
      percentile(
        all.filter((s) => s.page === i + 1 && s.cls !== 'user' && s.cls !== 'status').map((s) => s.apiMs),
        50,
      ),
      1,
    ),
  );
  const overhead = dist(all.map((s) => s.apiMs - s.directMs));
  const listPass = apiAll.p50 <= TARGET_LIST_P50_MS;

  const delay = dist(sse.delay);
  const ssePass = delay.n > 0 && delay.p95 <= TARGET_SSE_P95_MS;
  const queryable = dist(probe.replyToQueryable);
  const rtt = dist(probe.queryRtt);
  const ok = ctx.failures.length === 0;
  const unanswered = population.chats - population.chatsReplied;
  const executionsLabel = population.complete
    ? `${population.visible.total.toLocaleString('en')}`
    : `${population.visible.total.toLocaleString('en')} (NOT the ${EXECUTIONS.toLocaleString('en')} asked: creation stopped after ${population.wallS.toFixed(0)} s` +
      `${unanswered > 0 ? `; ${unanswered} chats still without their "Menu": the stack was still busy while listing` : ''})`;

  const rows: Row[] = [
    [
      'executions present',
      `${executionsLabel}: ${population.chatsReplied} chats (/start → polling ingress → chatWorkflow, "Menu" sent, still running) + ${population.visible.generationsCompleted} generations (POST /api/generations, fake provider 0 ms, completed)`,
    ],
    [
      'created in',
      `${population.wallS.toFixed(1)} s (plus ${population.setupS.toFixed(1)} s creating ${population.users.length} users): chats first /start → last "Menu" ${population.chatSpanS.toFixed(1)} s = ${(population.chatsReplied / population.chatSpanS).toFixed(0)} chats/s; generations first POST → last finished ${population.generationSpanS.toFixed(1)} s = ${(population.accepted / population.generationSpanS).toFixed(1)} jobs/s; both at once`,
    ],
    [
      'counted with',
      `CountWorkflowExecutions (client.workflow.count, what \`temporal workflow count\` calls): all ${population.visible.total}, one count ${ms(population.countMs)} ms; counts matched ${ms(population.visibilityLagS * 1000)} ms after the last reply/job (polled every 250 ms)`,
    ],
    [
      'creation CPU',
      `${cpuLine(population.cpu)}; stack ${((population.cpu.stackS / Math.max(1, population.visible.total)) * 1000).toFixed(0)} ms per execution; Temporal SQLite ${(population.sqliteBytes / 1e6).toFixed(0)} MB`,
    ],
    ['', ''],
    ['GET /api/executions', `${formatDist(apiAll)}   target p50 ≤ ${TARGET_LIST_P50_MS} ms: ${pass(listPass)}`],
    ...classes.map(({ cls, label }): Row => [`  ${label}`, formatDist(classFigures[cls]?.api as Dist)]),
    ['  p50 by page depth', pageP50.map((v, i) => `page ${i + 1} ${ms(v)} ms`).join(', ')],
    ['where the time goes', `(${all.length} requests, sequential, each followed by the same query sent straight to Temporal over gRPC)`],
    ['  Temporal visibility alone', formatDist(directAll)],
    ...classes.map(({ cls, label }): Row => [`    ${label}`, formatDist(classFigures[cls]?.direct as Dist)]),
    ['  API − direct', `${formatDist(overhead)}   (HTTP, auth, validation, JSON; its own gRPC hop)`],
    ['  CPU while listing', `${cpuLine(listing.cpu)}   (API and direct calls together)`],
    ['', ''],
    ['SSE step delay', `${formatDist(delay)}   target p95 ≤ ${TARGET_SSE_P95_MS} ms: ${pass(ssePass)}`],
    [
      '  measured as',
      `SSE arrival of the "say" step − the emulator receiving the bot's "click n" (one clock: this process); ${sse.clicks} presses ${CLICK_INTERVAL_MS} ms apart`,
    ],
    [
      '  vs step time',
      `${formatDist(dist(sse.delayVsStepTime))}   (arrival − at + durationMs of all ${sse.events} steps; workflow time, the worker's clock)`,
    ],
    ['  press → reply', formatDist(dist(sse.pressToReply))],
    ['  press → SSE event', formatDist(dist(sse.pressToSse))],
    [
      'where the time goes',
      `(${probe.clicks} more presses, stream closed, a chatSteps query every ${PROBE_POLL_MS} ms straight to Temporal)`,
    ],
    ['  reply → step queryable', `${formatDist(queryable)}   (upper bound: when the first query showing it returned)`],
    ['  one chatSteps query', formatDist(rtt)],
    ['  stream poll interval', `${STREAM_POLL_MS} ms: adds 0–${STREAM_POLL_MS} ms (mean ${STREAM_POLL_MS / 2}) on top of the two above`],
    ['  CPU during the presses', `${cpuLine(sse.cpu)}${sse.continuedAsNew ? '; the chat continued as new meanwhile' : ''}`],
    ['', ''],
    [
      'settings',
      `${Object.entries(benchSettings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}; polling mode; 1 worker`,
    ],
    ['result', ok ? 'OK' : `FAILED: ${ctx.failures.length} problem(s): ${ctx.failures.slice(0, 5).join('; ')}`],
  ];
  printBlock(
    `executions API: list with ${population.visible.total.toLocaleString('en')} executions, SSE step delay (start entrypoint)`,
    rows,
  );
  printJsonLine('executions-api', {
    executions: {
      asked: EXECUTIONS,
      visible: population.visible,
      chats: population.chatsReplied,
      generations: population.accepted,
      jobStatus: population.jobStatus,
      complete: population.complete,
      chatsUnanswered: unanswered,
      createS: round(population.wallS, 1),
      usersSetupS: round(population.setupS, 1),
      chatsPerS: round(population.chatsReplied / population.chatSpanS, 1),
      jobsPerS: round(population.accepted / population.generationSpanS, 1),
      visibilityLagMs: round(population.visibilityLagS * 1000, 0),
      countMs: round(population.countMs, 1),
      countedWith: 'CountWorkflowExecutions via @temporalio/client',
      cpuS: cpuJson(population.cpu),
      temporalSqliteMb: round(population.sqliteBytes / 1e6, 1),
    },
    list: {
      requests: all.length,
      apiMs: apiAll,
      byClassMs: classFigures,
      p50ByPageMs: pageP50,
      directMs: directAll,
      apiMinusDirectMs: overhead,
      cpuS: cpuJson(listing.cpu),
      targetP50Ms: TARGET_LIST_P50_MS,
      pass: listPass,
    },
    sse: {
      clicks: sse.clicks,
      clickIntervalMs: CLICK_INTERVAL_MS,
      delayMs: delay,
      delayVsStepTimeMs: dist(sse.delayVsStepTime),
      pressToReplyMs: dist(sse.pressToReply),
      pressToSseMs: dist(sse.pressToSse),
      streamPollMs: STREAM_POLL_MS,
      probe: { clicks: probe.clicks, replyToQueryableMs: queryable, queryRttMs: rtt },
      cpuS: cpuJson(sse.cpu),
      continuedAsNew: sse.continuedAsNew,
      targetP95Ms: TARGET_SSE_P95_MS,
      pass: ssePass,
    },
    settings: benchSettings,
    failures: ctx.failures.length,
    ok,
    pass: ok && listPass && ssePass,
  });
  if (ctx.failures.length > 5) process.stderr.write(`all problems:\n${ctx.failures.join('\n')}\n`);
  return ok;
}

async function main(): Promise<boolean> {
  const stack = await startStack();
  let ctx: Context | undefined;
  try {
    ctx = await connect(stack);
    // ---- 1. Listing with EXECUTIONS present ----
    const population = await createPopulation(ctx);
    progress(
      `executions: ${population.visible.total} visible (chats ${population.visible.chats}, generations completed ${population.visible.generationsCompleted}) ` +
        `after ${population.wallS.toFixed(1)} s${population.complete ? '' : ' — INCOMPLETE'}`,
    );
    await sleep(2_000); // Let the last visibility and history work settle before timing reads.
    const listing = await measureListing(ctx, population);
    progress(`listing: ${listing.samples.length} requests in ${listing.cpu.wallS.toFixed(1)} s`);

    // ---- 2. SSE ----
    const chat = new TrackedChat(ctx);
    const sse = await measureStream(ctx, chat);
    progress(`stream: ${sse.delay.length} say steps timed`);
    const probe = PROBE_CLICKS > 0 ? await probeQueries(ctx, chat) : { clicks: 0, replyToQueryable: [], queryRtt: [] };
    ctx.onCall = () => undefined;
    return report(ctx, population, listing, sse, probe);
  } finally {
    if (ctx) ctx.onCall = () => undefined;
    await ctx?.db.$client.end().catch(() => undefined);
    await ctx?.temporal.connection.close().catch(() => undefined);
    await stack.stop();
  }
}

runBench('executions', main);
