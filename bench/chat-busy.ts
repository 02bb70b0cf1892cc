/**
 * Callback answer latency while chats are busy, end to end on the embedded stack (`start`
 * entrypoint) with the Telegram Bot API emulator in this process, one bot in webhook mode.
 *
 *   npm run bench:chat -- --busy [--chats=20] [--slow=3000] [--timeout=90]
 *   (or node --import tsx bench/chat-busy.ts …; BENCH_CHATS, BENCH_SLOW_MS, BENCH_TIMEOUT_S)
 *
 * A chat takes its updates one at a time, but a press that arrives while the chat is busy (an
 * HTTP node, a debounce window, earlier updates queued, a paid generation) is answered at once by
 * the workflow's signal handler, with the toast known then; only what it does waits for its turn
 * (src/workflows/chat/chat-workflow.ts, ChatSession.answerEarly). Without that, Telegram would
 * show the spinner until the slow work ended. This bench measures how soon such answers come.
 *
 * The flow: /start shows "Menu" with Slow, Story and Ping. Slow runs action.http against a
 * loopback server started here that answers after --slow ms (HTTP_NODE_ALLOWLIST=127.0.0.1), then
 * says "slow work done". Story runs action.generation on the fake provider
 * (FAKE_PROVIDER_LATENCY_MS = --slow; each user is given credits through the API first), then says
 * "story ready". Ping is a trigger.callback with the toast "pong!" that only counts (no message,
 * so pings add nothing to the chat's send pacing).
 *
 * Phases, one after the other in the same stack, all chats at once (their starts spread over a
 * second); a warm-up chat goes through all of them first, unmeasured:
 *  - idle: 3 pings, each awaited, with nothing running: the comparison;
 *  - slow HTTP: press Slow; once its request has reached the server, 3 pings 150 ms apart;
 *  - generation: press Story; once the chat shows "typing" (sent just before the generation's
 *    child workflow starts), 3 pings 150 ms apart.
 * A ping's latency runs from the bench handing the press to the emulator to the emulator recording
 * answerCallbackQuery for its callback id (the emulator's per-chat delivery queue and the webhook
 * POST included, as a user would see it). Also counted: answers that came before the slow work
 * ended (the server writing its response; the job's finished_at in PostgreSQL): all of them
 * should; answers carrying the toast; presses answered twice or never. And, per scenario, where
 * the time went (the chats' workflow histories: POST → signal persisted → workflow task started →
 * answer) and the CPU of the stack, of this process and of everything else (a shared machine
 * shows up there).
 *
 * Exits 1 when a press is unanswered, answered twice or without its toast, when a busy one was
 * answered only after the slow work ended, or when the slow work did not end as it should;
 * latency is only reported.
 */
import os from 'node:os';
import { connectBenchClient } from './support/temporal-connection';
import {
  type TelegramEmulator,
  WaitTimeoutError,
  type DeliveryAttempt,
  type EmulatedUser,
  type RecordedCall,
} from '../src/telegram-emulator';
import { chatIdParam } from '../src/telegram-emulator/request-params';
import { chatWorkflowId } from '../src/temporal/workflow-ids';
import { chatHistory, type UpdateTiming } from './support/chat-history';
import { startChatStack, type ChatStack } from './support/chat-stack';
import { benchCpuSeconds } from './support/cpu-meter';
import { CpuSampler, type CpuReport } from './support/cpu-sampler';
import { embeddedDatabaseUrl } from './support/data-dir';
import { runBench, whileRunning } from './support/entrypoint';
import { pass, printBlock, printJsonLine, progress, type Row } from './support/report';
import { startSlowServer, type SlowServer } from './support/slow-server';
import { mapConcurrent, openDatabase, sleep } from './support/stack';
import { intOption } from './support/options';
import { epochNow } from './support/clock';
import { dist, ms, type Dist } from './support/stats';

const PINGS = 3;
const PING_GAP_MS = 150;
/** Between idle pings: the previous one's turn (answer, then a counter) is over by then. */
const IDLE_GAP_MS = 300;
/** How long a chat waits for its slow work to start (request at the server, "typing") before pinging anyway. */
const START_WAIT_MS = 10_000;
const ANSWER_WAIT_MS = 15_000;
const SPREAD_MS = 1_000;
const CREDITS = 200;
const TOAST = 'pong!';
const READY_TIMEOUT_MS = 180_000;
const SETUP_TIMEOUT_MS = 60_000;

type Phase = 'idle' | 'http' | 'generation';
const PHASES: { phase: Phase; title: string }[] = [
  { phase: 'idle', title: 'idle (comparison)' },
  { phase: 'http', title: 'slow HTTP node' },
  { phase: 'generation', title: 'running generation' },
];

interface Options {
  chats: number;
  slowMs: number;
  phaseTimeoutMs: number;
}

function options(): Options {
  return {
    chats: intOption('chats', 'BENCH_CHATS', 20),
    slowMs: intOption('slow', 'BENCH_SLOW_MS', 3_000),
    phaseTimeoutMs: intOption('timeout', 'BENCH_TIMEOUT_S', 90) * 1_000,
  };
}

/** /start → Menu (Slow, Story, Ping); Slow: a slow HTTP call; Story: a paid generation; Ping: a toast and a counter. */
function busyFlow(slowUrl: string) {
  const say = (id: string, text: string) => ({ id, type: 'message.text', data: { text } });
  const edge = (source: string, target: string, sourceHandle?: string) => ({
    id: `${source}-${target}-${sourceHandle ?? 'next'}`,
    source,
    target,
    ...(sourceHandle ? { sourceHandle } : {}),
  });
  const buttons = [
    ['Slow', 'slow'],
    ['Story', 'story'],
    ['Ping', 'ping'],
  ].map(([text, callbackData]) => ({ text, callbackData }));
  return {
    settings: { debounceMs: 0 },
    variables: [{ name: 'pings', scope: 'chat', type: 'number', default: 0 }],
    nodes: [
      { id: 'start', type: 'trigger.command', data: { command: '/start' } },
      { id: 'menu', type: 'message.text', data: { text: 'Menu', keyboard: { type: 'inline', rows: [buttons] } } },
      { id: 'slow', type: 'trigger.callback', data: { data: 'slow' } },
      { id: 'call', type: 'action.http', data: { method: 'GET', url: `${slowUrl}?key={{ message.chatId }}`, timeoutMs: 30_000 } },
      say('done', 'slow work done'),
      say('failed', 'slow work failed'),
      { id: 'story', type: 'trigger.callback', data: { data: 'story' } },
      { id: 'generate', type: 'action.generation', data: { kind: 'story', prompt: 'a short story for {{ from.firstName }}' } },
      say('ready', 'story ready'),
      say('refunded', 'no story'),
      { id: 'ping', type: 'trigger.callback', data: { data: 'ping', toast: TOAST } },
      { id: 'count', type: 'action.set', data: { variable: 'chat.pings', op: 'increment', value: '1' } },
    ],
    edges: [
      edge('start', 'menu'),
      edge('slow', 'call'),
      edge('call', 'done', 'success'),
      edge('call', 'failed', 'error'),
      edge('story', 'generate'),
      edge('generate', 'ready', 'success'),
      edge('generate', 'refunded', 'refunded'),
      edge('ping', 'count'),
    ],
  };
}

const SLOW_DONE: Record<Exclude<Phase, 'idle'>, { ok: string; failed: string }> = {
  http: { ok: 'slow work done', failed: 'slow work failed' },
  generation: { ok: 'story ready', failed: 'no story' },
};

interface BusyChat {
  user: EmulatedUser;
  /** Our user id: tg:<botId>:<telegramUserId>. */
  userId: string;
  warmup: boolean;
  /** Per busy phase: whether the slow work was seen starting (its request at the server, "typing"). */
  started: Partial<Record<Phase, boolean>>;
  /** Per busy phase: what the chat said when it ended ("slow work done", "no story", …). */
  outcome: Partial<Record<Phase, string>>;
  /** Per busy phase: when the slow work ended (emulator clock); undefined: not seen ending. */
  endedAt: Partial<Record<Phase, number>>;
}

interface Press {
  chat: BusyChat;
  phase: Phase;
  updateId: number;
  callbackId: string;
  /** The bench handed the press to the emulator. */
  sentAt: number;
}

/** What the emulator saw: every callback answer and each update's first webhook POST. */
class Observed {
  readonly answers = new Map<string, RecordedCall[]>();
  readonly firstPost = new Map<number, number>();

  readonly onCall = (call: RecordedCall): void => {
    if (call.method !== 'answerCallbackQuery') return;
    const id = String(call.params.callback_query_id);
    this.answers.set(id, [...(this.answers.get(id) ?? []), call]);
  };

  readonly onDelivery = (attempt: DeliveryAttempt): void => {
    if (attempt.attempt === 1 && !attempt.redelivery) this.firstPost.set(attempt.updateId, attempt.at);
  };

  firstAnswer(callbackId: string): RecordedCall | undefined {
    return this.answers.get(callbackId)?.find((call) => call.response.ok);
  }
}

/** The first call `matches` accepts, or undefined after `timeoutMs`: a bench counts what is missing rather than stopping. */
async function callOrNothing(
  emulator: TelegramEmulator,
  matches: (call: RecordedCall) => boolean,
  timeoutMs: number,
): Promise<RecordedCall | undefined> {
  try {
    return await emulator.waitFor(matches, timeoutMs);
  } catch (err) {
    if (err instanceof WaitTimeoutError) return undefined;
    throw err;
  }
}

const sentTo =
  (chat: BusyChat, method: string, after = 0) =>
  (call: RecordedCall) =>
    call.method === method && call.response.ok && chatIdParam(call.params) === chat.user.chatId && call.at >= after;

const saying = (chat: BusyChat, texts: string[]) => (call: RecordedCall) =>
  sentTo(chat, 'sendMessage')(call) && texts.includes(String(call.params.text));

/** CPU during one measured phase: the stack by process kind, this process (bench + emulator), everything else. */
interface PhaseCpu {
  report: CpuReport;
  benchS: number;
}

/** Plays the chats of one run: their setup and each phase, recording every ping. */
class Player {
  readonly presses: Press[] = [];
  readonly cpu = new Map<Phase, PhaseCpu>();

  constructor(
    private readonly stack: ChatStack,
    private readonly server: SlowServer,
    private readonly opts: Options,
  ) {}

  private get emulator(): TelegramEmulator {
    return this.stack.emulator;
  }

  newChat(name: string, warmup: boolean): BusyChat {
    const user = this.emulator.user(this.stack.bot.id, { firstName: name });
    return { user, userId: `tg:${this.stack.bot.id}:${user.id}`, warmup, started: {}, outcome: {}, endedAt: {} };
  }

  /** /start, then credits for the generation once the chat has made its user. */
  async setUp(chat: BusyChat): Promise<void> {
    chat.user.sendText('/start');
    const menu = await callOrNothing(this.emulator, saying(chat, ['Menu']), SETUP_TIMEOUT_MS);
    if (!menu) throw new Error(`no "Menu" for ${chat.userId} within ${SETUP_TIMEOUT_MS / 1000} s`);
    const credited = await this.stack.api.request(
      'POST',
      `/api/users/${encodeURIComponent(chat.userId)}/credits`,
      { amount: CREDITS },
      { 'idempotency-key': `bench-busy-${chat.userId}` },
    );
    if (credited.status !== 201) throw new Error(`credits for ${chat.userId}: ${credited.status} ${JSON.stringify(credited.body)}`);
  }

  private ping(chat: BusyChat, phase: Phase): Press {
    const sentAt = epochNow();
    const update = chat.user.pressButton('ping');
    const press = { chat, phase, updateId: update.update_id, callbackId: update.callback_query.id, sentAt };
    if (!chat.warmup) this.presses.push(press);
    return press;
  }

  async idle(chat: BusyChat): Promise<void> {
    for (let i = 0; i < PINGS; i++) {
      const press = this.ping(chat, 'idle');
      await callOrNothing(
        this.emulator,
        (call) => call.method === 'answerCallbackQuery' && call.params.callback_query_id === press.callbackId,
        ANSWER_WAIT_MS,
      );
      await sleep(IDLE_GAP_MS);
    }
  }

  /** Starts the slow work, pings while it runs, and waits for the chat to say it ended. */
  async busy(chat: BusyChat, phase: Exclude<Phase, 'idle'>): Promise<void> {
    const pressedAt = epochNow();
    chat.user.pressButton(phase === 'http' ? 'slow' : 'story');
    chat.started[phase] =
      phase === 'http'
        ? await this.server.arrival(String(chat.user.chatId), START_WAIT_MS)
        : (await callOrNothing(this.emulator, sentTo(chat, 'sendChatAction', pressedAt), START_WAIT_MS)) !== undefined;
    for (let i = 0; i < PINGS; i++) {
      if (i > 0) await sleep(PING_GAP_MS);
      this.ping(chat, phase);
    }
    const { ok, failed } = SLOW_DONE[phase];
    const said = await callOrNothing(this.emulator, saying(chat, [ok, failed]), this.opts.slowMs + 30_000);
    chat.outcome[phase] = said ? String(said.params.text) : 'nothing said';
    if (phase === 'http') chat.endedAt[phase] = this.server.requests.get(String(chat.user.chatId))?.respondedAt;
  }

  /** Runs `step` for every chat, their starts spread over a second; bounded by the phase timeout. */
  async phase(name: string, chats: BusyChat[], step: (chat: BusyChat) => Promise<void>, measured?: Phase): Promise<void> {
    const started = performance.now();
    // The machine is shared: what else ran meanwhile is part of the figures.
    const sampler = measured ? new CpuSampler(this.stack.proc.pid) : undefined;
    const benchBefore = process.cpuUsage();
    const all = Promise.all(
      chats.map(async (chat, i) => {
        await sleep((i * SPREAD_MS) / chats.length);
        await step(chat);
      }),
    );
    await whileRunning(this.stack.proc, all, `phase ${name}`, this.opts.phaseTimeoutMs);
    if (sampler && measured) {
      this.cpu.set(measured, { report: sampler.stop(), benchS: benchCpuSeconds(benchBefore) });
    }
    progress(`${name}: ${chats.length} chat(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** When each chat's generation job finished (emulator clock), from PostgreSQL. */
async function jobEnds(stack: ChatStack, chats: BusyChat[]): Promise<void> {
  const db = openDatabase(embeddedDatabaseUrl(stack.dataDir, stack.ports.postgres));
  try {
    const { rows } = await db.$client.query<{ user_id: string; finished_ms: string | null }>(
      'select user_id, extract(epoch from finished_at) * 1000 as finished_ms from generation_jobs where user_id = any($1)',
      [chats.map((c) => c.userId)],
    );
    // PostgreSQL stamps with the wall clock; the emulator's clock is monotonic from this process's start.
    const skew = Date.now() - epochNow();
    for (const chat of chats) {
      const row = rows.find((r) => r.user_id === chat.userId && r.finished_ms !== null);
      if (row) chat.endedAt.generation = Number(row.finished_ms) - skew;
    }
  } finally {
    await db.$client.end();
  }
}

/** Where a ping's time went (ms), from the chats' workflow histories. */
interface PingPath {
  /** The emulator's first webhook POST → the server persisted the signal. */
  postToSignal: Dist;
  /** Signal → the workflow task that took it started on the worker (Temporal's queue, the worker's slots). */
  signalToTask: Dist;
  /** That task started → answerCallbackQuery at the emulator (handler or turn, local activity, Bot API call). */
  taskToAnswer: Dist;
}

async function pingPaths(stack: ChatStack, chats: BusyChat[], presses: Press[], observed: Observed): Promise<Record<Phase, PingPath>> {
  const { connection, client } = await connectBenchClient(stack.env, stack.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${stack.ports.temporal}`, {
    connectTimeout: 5_000,
  });
  try {
    const histories = await mapConcurrent(chats, 4, (chat) => chatHistory(client, chatWorkflowId(String(stack.bot.id), chat.user.chatId)));
    // Update ids are unique per bot, and there is one bot.
    const timings = new Map<number, UpdateTiming>(histories.flatMap((h) => h.updates.map((t): [number, UpdateTiming] => [t.updateId, t])));
    // Temporal stamps events with the wall clock; the emulator's clock is monotonic from this process's start.
    const skew = Date.now() - epochNow();
    const path = (phase: Phase): PingPath => {
      const parts = { postToSignal: [] as number[], signalToTask: [] as number[], taskToAnswer: [] as number[] };
      for (const press of presses.filter((p) => p.phase === phase)) {
        const timing = timings.get(press.updateId);
        const answer = observed.firstAnswer(press.callbackId);
        const post = observed.firstPost.get(press.updateId);
        if (!timing || !answer) continue;
        if (post !== undefined) parts.postToSignal.push(timing.signaledAt - skew - post);
        if (timing.taskStartedAt === undefined) continue;
        parts.signalToTask.push(timing.taskStartedAt - timing.signaledAt);
        parts.taskToAnswer.push(answer.at - (timing.taskStartedAt - skew));
      }
      return { postToSignal: dist(parts.postToSignal), signalToTask: dist(parts.signalToTask), taskToAnswer: dist(parts.taskToAnswer) };
    };
    return Object.fromEntries(PHASES.map(({ phase }) => [phase, path(phase)])) as Record<Phase, PingPath>;
  } finally {
    await connection.close();
  }
}

interface PhaseFigures {
  chats: number;
  presses: number;
  answered: number;
  /** Presses with more than one successful answer, and answers refused by the emulator. */
  answeredTwice: number;
  refused: number;
  latencyMs: Dist;
  /** From the emulator's first webhook POST of the press, leaving out its per-chat queue. */
  fromPostMs: Dist;
  toast: number;
  /** Busy phases: answered before the chat's slow work ended; chats whose work was seen starting / ending. */
  beforeEnd?: number;
  workStarted?: number;
  workEnded?: number;
  outcomes?: Record<string, number>;
}

function figures(phase: Phase, presses: Press[], chats: BusyChat[], observed: Observed): PhaseFigures {
  const mine = presses.filter((p) => p.phase === phase);
  const answers = mine.map((p) => ({
    press: p,
    answer: observed.firstAnswer(p.callbackId),
    all: observed.answers.get(p.callbackId) ?? [],
  }));
  const answered = answers.filter((a) => a.answer !== undefined);
  const at = (a: (typeof answers)[number]) => a.answer?.at as number;
  const result: PhaseFigures = {
    chats: chats.length,
    presses: mine.length,
    answered: answered.length,
    answeredTwice: answers.filter((a) => a.all.filter((c) => c.response.ok).length > 1).length,
    refused: answers.reduce((n, a) => n + a.all.filter((c) => !c.response.ok).length, 0),
    latencyMs: dist(answered.map((a) => at(a) - a.press.sentAt)),
    fromPostMs: dist(
      answered.flatMap((a) =>
        observed.firstPost.has(a.press.updateId) ? [at(a) - (observed.firstPost.get(a.press.updateId) as number)] : [],
      ),
    ),
    toast: answered.filter((a) => a.answer?.params.text === TOAST).length,
  };
  if (phase === 'idle') return result;
  const outcomes: Record<string, number> = {};
  for (const chat of chats) outcomes[chat.outcome[phase] ?? '?'] = (outcomes[chat.outcome[phase] ?? '?'] ?? 0) + 1;
  return {
    ...result,
    beforeEnd: answered.filter((a) => {
      const endedAt = a.press.chat.endedAt[phase];
      return endedAt !== undefined && at(a) < endedAt;
    }).length,
    workStarted: chats.filter((c) => c.started[phase]).length,
    workEnded: chats.filter((c) => c.endedAt[phase] !== undefined).length,
    outcomes,
  };
}

function passed(phase: Phase, f: PhaseFigures): boolean {
  const answeredOnce = f.answered === f.presses && f.answeredTwice === 0 && f.toast === f.answered;
  if (phase === 'idle') return answeredOnce;
  return answeredOnce && f.beforeEnd === f.presses && f.workEnded === f.chats && f.outcomes?.[SLOW_DONE[phase].ok] === f.chats;
}

/** The table: one row per scenario. */
function tableRows(byPhase: Record<Phase, PhaseFigures>): Row[] {
  const widths = [5, 9, 10, 8, 8, 8, 8, 12, 7];
  const columns = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(widths[i] ?? 8)).join('');
  return [
    ['scenario', columns(['chats', 'presses', 'answered', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'before end', 'toast'])],
    ...PHASES.map(({ phase, title }): Row => {
      const f = byPhase[phase];
      const d = f.latencyMs;
      return [title, columns([f.chats, f.presses, f.answered, ms(d.p50), ms(d.p95), ms(d.p99), ms(d.max), f.beforeEnd ?? '–', f.toast])];
    }),
  ];
}

const p50p95 = (d: Dist) => `${ms(d.p50)}/${ms(d.p95)}`;

/** Checks, where the time went and what the machine did, per scenario. */
function detailRows(phase: Phase, title: string, f: PhaseFigures, path: PingPath | undefined, cpu: PhaseCpu | undefined): Row[] {
  const work = f.outcomes
    ? `; slow work seen starting in ${f.workStarted}/${f.chats} chats, ending in ${f.workEnded}/${f.chats}; said ${Object.entries(
        f.outcomes,
      )
        .map(([text, n]) => `${n}× "${text}"`)
        .join(', ')}`
    : '';
  const rows: Row[] = [[title, `answered twice ${f.answeredTwice}, refused ${f.refused}${work}: ${pass(passed(phase, f))}`]];
  if (path) {
    rows.push([
      '  where (p50/p95 ms)',
      `POST → signal ${p50p95(path.postToSignal)}, signal → task started ${p50p95(path.signalToTask)}, task started → answer ${p50p95(path.taskToAnswer)} (n=${path.taskToAnswer.n})`,
    ]);
  }
  if (cpu) {
    const { report: r, benchS } = cpu;
    const stackS = Object.values(r.byName).reduce((sum, v) => sum + v.cpuS, 0);
    const share = (seconds: number) => `${((seconds / r.wallS) * 100).toFixed(0)}%`;
    const byName = Object.entries(r.byName)
      .filter(([, v]) => v.cpuS >= 0.05)
      .sort(([, a], [, b]) => b.cpuS - a.cpuS)
      .map(([name, v]) => `${name} ${share(v.cpuS)}`)
      .join(', ');
    // One node thread near 100% is a ceiling a second core does not lift.
    const threads = r.rootThreads
      .slice(0, 2)
      .map((t) => `${t.main ? 'main' : t.name} ${t.meanPct.toFixed(0)}% (peak ${t.peakPct.toFixed(0)}%)`)
      .join(', ');
    rows.push([
      '  CPU (% of a core)',
      `stack ${share(stackS)} (${byName}; busiest node threads ${threads}), bench+emulator ${share(benchS)}, other processes ${share(Math.max(0, r.machineBusyS - stackS - benchS))} over ${r.wallS.toFixed(1)} s`,
    ]);
  }
  return rows;
}

function report(
  opts: Options,
  byPhase: Record<Phase, PhaseFigures>,
  paths: Record<Phase, PingPath> | string,
  cpu: Map<Phase, PhaseCpu>,
  stack: ChatStack,
): boolean {
  const ok = PHASES.every(({ phase }) => passed(phase, byPhase[phase]));
  const rows: Row[] = [
    ...tableRows(byPhase),
    ['', ''],
    [
      'latency',
      `the bench hands a ping to the emulator → its answerCallbackQuery recorded; before end: answered before the slow work ended (must be all); toast: "${TOAST}" shown`,
    ],
    ...PHASES.flatMap(({ phase, title }) =>
      detailRows(phase, title, byPhase[phase], typeof paths === 'string' ? undefined : paths[phase], cpu.get(phase)),
    ),
    ...(typeof paths === 'string' ? [['histories', paths] as Row] : []),
    [
      'slow work',
      `${opts.slowMs} ms (HTTP server delay, FAKE_PROVIDER_LATENCY_MS); ${PINGS} pings per chat and scenario; ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}`,
    ],
    [
      'stack warnings',
      stack.notable.total === 0
        ? 'none'
        : stack.notable
            .top()
            .map((l) => `${l.count}× ${l.line}`)
            .join(' | '),
    ],
    ['result', ok ? 'OK' : 'FAILED'],
  ];
  printBlock(`callback answers while chats are busy (${opts.chats} chats, one bot, webhook)`, rows);
  printJsonLine('chat-busy', {
    chats: opts.chats,
    slowMs: opts.slowMs,
    pings: PINGS,
    ...Object.fromEntries(PHASES.map(({ phase }) => [phase, { ...byPhase[phase], path: typeof paths === 'string' ? null : paths[phase] }])),
    stackWarnings: stack.notable.top(),
    ok,
  });
  return ok;
}

/** Warm-up, unmeasured: the first workflow tasks, HTTP node and generation of this stack. */
async function warmUp(player: Player): Promise<void> {
  const warm = player.newChat('Warm', true);
  await player.setUp(warm);
  for (const phase of ['idle', 'http', 'generation'] as const) {
    await player.phase(`warm-up ${phase}`, [warm], (chat) => (phase === 'idle' ? player.idle(chat) : player.busy(chat, phase)));
  }
}

/** The measured chats, set up, then pressing while idle, during a slow HTTP call and during a generation. */
async function playPhases(player: Player, count: number): Promise<BusyChat[]> {
  const chats = Array.from({ length: count }, (_, i) => player.newChat(`Busy ${i + 1}`, false));
  await mapConcurrent(chats, 4, (chat) => player.setUp(chat));
  progress(`${chats.length} chats started and given ${CREDITS} credits`);
  await player.phase('idle', chats, (chat) => player.idle(chat), 'idle');
  await player.phase('slow HTTP', chats, (chat) => player.busy(chat, 'http'), 'http');
  await player.phase('generation', chats, (chat) => player.busy(chat, 'generation'), 'generation');
  return chats;
}

export async function main(): Promise<boolean> {
  const opts = options();
  const server = await startSlowServer(opts.slowMs, epochNow);
  let stack: ChatStack | undefined;
  try {
    stack = await startChatStack({
      name: 'bench-chat-busy',
      flow: busyFlow(server.url),
      clock: epochNow,
      env: { HTTP_NODE_ALLOWLIST: '127.0.0.1', FAKE_PROVIDER_LATENCY_MS: String(opts.slowMs) },
    });
    await stack.ready(READY_TIMEOUT_MS, SETUP_TIMEOUT_MS);
    const observed = new Observed();
    stack.emulator.on('call', observed.onCall);
    stack.emulator.on('delivery', observed.onDelivery);
    const player = new Player(stack, server, opts);

    await warmUp(player);
    const chats = await playPhases(player, opts.chats);
    await jobEnds(stack, chats);
    // Late or repeated answers still count: they would show as answered twice.
    await sleep(1_000);

    const byPhase = Object.fromEntries(PHASES.map(({ phase }) => [phase, figures(phase, player.presses, chats, observed)])) as Record<
      Phase,
      PhaseFigures
    >;
    const paths = await pingPaths(stack, chats, player.presses, observed).catch(
      (err: unknown) => `unavailable: ${err instanceof Error ? err.message : String(err)}`,
    );
    return report(opts, byPhase, paths, player.cpu, stack);
  } finally {
    await stack?.stop();
    await server.close();
  }
}

if (require.main === module) runBench('chat busy', main);
