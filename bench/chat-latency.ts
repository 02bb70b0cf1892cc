/**
 * Reply latency of Telegram chats over the webhook, end to end on the embedded stack (`start`
 * entrypoint: Temporal dev server + PostgreSQL + API/ingress + one worker), with the Telegram
 * Bot API emulator (src/telegram-emulator) running inside this process and playing Telegram.
 *
 *   node --import tsx bench/chat-latency.ts [--chats=500] [--rate=0] [--bots=10] [--press=sequential]
 *                                           [--timeout=150] [--drain=30] [--history=20]
 *   (or BENCH_CHATS, BENCH_RATE, BENCH_BOTS, BENCH_PRESS, BENCH_TIMEOUT_S, BENCH_DRAIN_S, BENCH_HISTORY)
 *   node --import tsx bench/chat-latency.ts --busy [--chats=20]: callback answers while chats are busy (chat-busy.ts)
 *   node --import tsx bench/chat-latency.ts --floor: cost per update against a minimal bot (chat-floor.ts)
 *
 * Scenario: N simulated users, each in its own private chat, send /start and then press the
 * inline button "count" 5 times, all chats concurrently. The flow answers every update with
 * exactly one message ("Menu" with the button; then "click 1" … "click 5") and every press with
 * answerCallbackQuery. The emulator POSTs each update to `POST /telegram/:botId/webhook` itself,
 * as Telegram does: one at a time per chat, concurrently across chats (max_connections 40 per
 * bot). Chats are spread round-robin over `--bots` bots: the first is bootstrapped by the `start`
 * entrypoint from TELEGRAM_BOT_TOKEN / TELEGRAM_BOT_FLOW (webhook mode), the others are
 * registered and given the same flow through the API. Several bots, because Telegram (and the
 * project's limiter, TELEGRAM_BOT_RATE_PER_SECOND=30) lets one bot send only ~30 messages/s,
 * which by itself rules out 50 or 200 replies/s through a single bot.
 *
 * Presses: `--press=sequential` (default) — a user presses the next button only once the reply to
 * the previous update arrived, as a person does, so each latency is that of one update with
 * nothing of its own chat queued before it. `--press=burst` — after "Menu" all 5 presses at once,
 * back-to-back (the later ones then queue behind the earlier ones of their chat).
 *
 * Injection: unpaced by default (every chat acts as soon as it can); `--rate=R` releases user
 * actions at R updates/s in total (FIFO over the chats that are ready), since the latency target
 * is stated at 50 updates/s. R is a ceiling: with sequential presses a chat is ready only once its
 * previous reply arrived, so too few chats (or a slow system) fall short of it; the achieved rate
 * is reported.
 *
 * Measured (all from emulator timestamps, one sub-millisecond epoch clock):
 *  - reply latency: the emulator's first delivery try of update X (`delivery` event: the try
 *    starts by waiting for one of the bot's 40 webhook connections, then POSTs) → the bot's
 *    sendMessage with the expected text in that chat arriving at the emulator (`on('call')`);
 *  - callback answer latency: POST of a press → its answerCallbackQuery;
 *  - POST → 200 (the update is durable in Temporal), user action → reply, updates/s;
 *  - duplicates (a reply or callback answer seen twice: must be 0), lost (a POST answered 200
 *    and no reply by the end: must be 0), transcripts out of order.
 * Per-chat pacing (TELEGRAM_CHAT_BURST=3, then TELEGRAM_CHAT_RATE_PER_SECOND=1 — Telegram's own
 * limits, left at their defaults) holds a chat's 4th and later replies that come faster than
 * 1/s. Which replies it held is recomputed from the observed send times (support/token-bucket),
 * and latency is reported for all replies and for those pacing did not hold.
 * Where the time goes: a sample of chat workflow histories (POST → ingress → signal persisted →
 * workflow task scheduled → started by the worker → reply → task completed), CPU per process kind
 * sampled every second (node = the API and worker process, temporal = the dev server on SQLite,
 * postgres) with the threads of each kept waiting for a CPU, the busiest node threads, the bench's
 * own CPU and event loop delay (the emulator runs here and competes for the same cores), memory
 * and SQLite file sizes at the end, warning/error log lines, and — when updates went unanswered —
 * whether their chats still have a workflow task queued in Temporal (a lag) or not (a loss).
 *
 * Targets: reply p50 ≤ 40 ms and p99 ≤ 200 ms at 50 updates/s; ≥ 200 updates/s sustained.
 * Exits 1 on a correctness failure (duplicate, lost or undelivered update, unanswered press,
 * unexpected or failed reply, transcript out of order) or when the run times out; a missed
 * performance target is reported, never an exit code.
 */
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Connection } from '@temporalio/client';
import { connectBenchClient } from './support/temporal-connection';
import type { BotIdentity } from '../src/telegram-emulator';
import { chatWorkflowId } from '../src/temporal/workflow-ids';
import { chatHistory, pendingTask, type ChatHistory } from './support/chat-history';
import { benchCpuSeconds } from './support/cpu-meter';
import { CpuSampler, processRunWaitSeconds, type CpuReport } from './support/cpu-sampler';
import { fileSize } from './support/data-dir';
import { runBench } from './support/entrypoint';
import { treeMemory } from './support/proc';
import { pass, printBlock, printJsonLine, progress, type Row } from './support/report';
import { mapConcurrent, sleep } from './support/stack';
import { countOption, intOption, stringOption } from './support/options';
import { epochNow } from './support/clock';
import { type Dist, dist, formatDist, ms, peakInWindow, round } from './support/stats';
import { tokenAvailableAt } from './support/token-bucket';
import { CounterChats, type SimChat, type Step } from './support/counter-chats';
import { counterFlow, counterReply } from './support/counter-flow';
import { addBots, startChatStack, type ChatStack } from './support/chat-stack';
import { Injector } from './support/injector';
import { main as busyMain } from './chat-busy';
import { main as floorMain } from './chat-floor';

const CHATS = intOption('chats', 'BENCH_CHATS', 500);
/** Updates per second in total; 0: unpaced. */
const RATE = countOption('rate', 'BENCH_RATE', 0);
const BOTS = Math.min(intOption('bots', 'BENCH_BOTS', 10), CHATS);
const PRESS = stringOption('press', 'BENCH_PRESS', 'sequential');
if (PRESS !== 'sequential' && PRESS !== 'burst') throw new Error(`--press must be sequential or burst, got ${PRESS}`);
const TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT_S', 150) * 1_000;
const DRAIN_MS = countOption('drain', 'BENCH_DRAIN_S', 30) * 1_000;
const HISTORY_SAMPLE = countOption('history', 'BENCH_HISTORY', 20);

const CLICKS = 5;
const STEPS = 1 + CLICKS;
/** After the last reply: how long to keep listening for a reply sent twice. */
const QUIET_MS = 2_000;
const READY_TIMEOUT_MS = 180_000;
const SETUP_TIMEOUT_MS = 60_000;
/** The emulator's retry pause and tries per update (Telegram retries too, more slowly). */
const WEBHOOK_RETRY_DELAY_MS = 500;
const WEBHOOK_MAX_ATTEMPTS = 5;
const LOOP_RESOLUTION_MS = 10;

const TARGET_P50_MS = 40;
const TARGET_P99_MS = 200;
const TARGET_AT_RATE = 50;
const TARGET_UPDATES_PER_S = 200;

/** Each phase of an update inside the stack, split by kind: /start (signal-with-start of a new workflow) and presses (a running one). */
const phaseNames = [
  'postToIngress',
  'ingressToSignal',
  'signalToAck',
  'signalToTaskScheduled',
  'scheduledToTaskStarted',
  'taskStartToAnswer',
  'taskStartToReply',
  'replyToTaskDone',
] as const;
type PhaseName = (typeof phaseNames)[number];

/** What every phase works with: the stack with the emulator playing Telegram, its bots, and what the emulator saw. */
interface Bench {
  stack: ChatStack;
  /** Bot 1 is bootstrapped by `start`, the others are added through the API. */
  bots: BotIdentity[];
  tracker: CounterChats;
  /** Telegram's limits as the stack applies them. */
  limits: { chatBurst: number; chatPerS: number; botPerS: number };
  modeText: string;
}

/** Telegram in this process, and the `start` entrypoint on a fresh DATA_DIR with bot 1 and the counter flow. */
async function prepare(): Promise<Bench> {
  const modeText = `${CHATS} chats × (/start + ${CLICKS} presses, ${PRESS}), ${BOTS} bot(s), ${RATE > 0 ? `paced at ${RATE} updates/s` : 'unpaced'}`;
  // The emulator's clock is sub-millisecond epoch time, like every figure here.
  const stack = await startChatStack({
    name: 'bench-chat',
    flow: counterFlow,
    clock: epochNow,
    webhook: { webhookRetryDelayMs: WEBHOOK_RETRY_DELAY_MS, webhookMaxAttempts: WEBHOOK_MAX_ATTEMPTS },
    describe: modeText,
  });
  const tracker = new CounterChats(stack.emulator, WEBHOOK_MAX_ATTEMPTS).attach();
  // Telegram's limits as the stack applies them (defaults unless overridden with BENCH_STACK_*).
  const limits = {
    chatBurst: Number(stack.env.TELEGRAM_CHAT_BURST ?? 3),
    chatPerS: Number(stack.env.TELEGRAM_CHAT_RATE_PER_SECOND ?? 1),
    botPerS: Number(stack.env.TELEGRAM_BOT_RATE_PER_SECOND ?? 30),
  };
  return { stack, bots: [stack.bot], tracker, limits, modeText };
}

/** Waits for the stack and bot 1's webhook; registers the other bots through the API with the same flow. */
async function startBots(bench: Bench): Promise<void> {
  await bench.stack.ready(READY_TIMEOUT_MS, SETUP_TIMEOUT_MS);
  bench.bots.push(...(await addBots(bench.stack, BOTS - 1, counterFlow, 'bench_chat')));
  progress(`${BOTS} bot(s) in webhook mode with the counter flow`);
}

/** A simulated chat of `steps` updates, on the bots round-robin. */
function newChat(bench: Bench, index: number, warmup: boolean, steps: number): SimChat {
  return bench.tracker.newChat(bench.bots[index % BOTS] as BotIdentity, `${warmup ? 'Warm' : 'Bench'} ${index + 1}`, steps, warmup);
}

/** Releases user actions (at RATE, or unpaced): each reply makes its chat ready for the next, as `--press` says. */
function paceChats(bench: Bench): Injector<SimChat> {
  const { tracker } = bench;
  const injector = new Injector<SimChat>(RATE, (chat) => tracker.send(chat));
  tracker.onReplied = (step) => {
    const { chat } = step;
    if (chat.warmup) tracker.send(chat);
    else if (PRESS === 'sequential') {
      if (step.index + 1 < chat.steps.length) injector.ready(chat);
    } else if (step.index === 0) {
      for (let i = 1; i < chat.steps.length; i++) injector.ready(chat);
    }
  };
  return injector;
}

/**
 * Warm-up, not measured: one chat per bot, /start and one press (first workflow tasks, JIT,
 * connection pools), which also proves every bot answers before the clock starts.
 */
async function warmUp(bench: Bench): Promise<void> {
  const { tracker } = bench;
  const { proc } = bench.stack;
  const warm = bench.bots.map((_, i) => newChat(bench, i, true, 2));
  for (const chat of warm) tracker.send(chat);
  const warmDeadline = performance.now() + SETUP_TIMEOUT_MS;
  while (!warm.every((c) => c.steps.every((s) => s.replyAt !== undefined))) {
    if (!proc.running) throw new Error(`the stack exited during the warm-up. Output:\n${proc.tail()}`);
    if (performance.now() > warmDeadline) {
      const missing = warm.flatMap((c) => c.steps.filter((s) => s.replyAt === undefined).map((s) => `bot ${c.bot.id} "${s.expect}"`));
      throw new Error(
        `warm-up: no reply within ${SETUP_TIMEOUT_MS / 1000} s for ${missing.join(', ')}; delivery errors ${JSON.stringify([...tracker.deliveryErrors])}. Output:\n${proc.tail()}`,
      );
    }
    await sleep(50);
  }
  const warmLatency = warm.flatMap((c) => c.steps.map((s) => (s.replyAt as number) - (s.firstTryAt ?? Number.NaN)));
  progress(`warm-up done: ${warm.length * 2} updates, reply latency ${formatDist(dist(warmLatency))}`);
  await sleep(1_000);
}

/** The measured run: every chat acts until all replied or the time is up, with CPU, memory and event loop delay sampled meanwhile. */
async function measure(bench: Bench, injector: Injector<SimChat>) {
  const { tracker } = bench;
  const { proc } = bench.stack;
  const chats = Array.from({ length: CHATS }, (_, i) => newChat(bench, BOTS + i, false, STEPS));
  const planned = CHATS * STEPS;
  const cpuSampler = new CpuSampler(proc.pid);
  const benchCpuBefore = process.cpuUsage();
  const benchWaitBefore = processRunWaitSeconds(process.pid);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const clockSkewBefore = Date.now() - epochNow();
  const wallStart = performance.now();
  const deadline = wallStart + TIMEOUT_MS;
  const pacedLoop = injector.run();
  for (const chat of chats) injector.ready(chat);

  let timedOut = false;
  let lastReport = performance.now();
  let lastReplied = 0;
  while (tracker.replied < planned) {
    if (!proc.running) throw new Error(`the stack exited during the run. Output:\n${proc.tail()}`);
    if (performance.now() > deadline) {
      timedOut = true;
      break;
    }
    if (performance.now() - lastReport >= 2_000) {
      const now = performance.now();
      const acked = chats.reduce((n, c) => n + c.steps.filter((s) => s.ackAt !== undefined).length, 0);
      progress(
        `sent ${injector.sent}/${planned}, acked ${acked}, replied ${tracker.replied} ` +
          `(${(((tracker.replied - lastReplied) * 1000) / (now - lastReport)).toFixed(0)}/s), ` +
          `${((now - wallStart) / 1000).toFixed(0)} s`,
      );
      lastReport = now;
      lastReplied = tracker.replied;
    }
    await sleep(100);
  }
  injector.stop();
  await pacedLoop;
  if (timedOut) {
    progress(
      `TIMED OUT after ${TIMEOUT_MS / 1000} s: no more user actions; waiting up to ${DRAIN_MS / 1000} s for replies to updates already sent`,
    );
    const drainUntil = performance.now() + DRAIN_MS;
    const outstanding = () =>
      chats.reduce((n, c) => n + c.steps.filter((s) => s.sentAt !== undefined && s.replyAt === undefined && !s.gaveUp).length, 0);
    while (outstanding() > 0 && performance.now() < drainUntil && proc.running) await sleep(250);
    progress(`drain over: ${outstanding()} sent updates still without a reply`);
  }
  const runWallMs = performance.now() - wallStart;
  const memoryAtEnd = Object.fromEntries(
    Object.entries(treeMemory(proc.pid).byName).map(([name, m]) => [
      name,
      { count: m.count, rssMb: Math.round(m.rssKb / 1024), pssMb: Math.round(m.pssKb / 1024) },
    ]),
  );
  const cpu: CpuReport = cpuSampler.stop();
  const benchCpuS = benchCpuSeconds(benchCpuBefore);
  const benchWaiting = (processRunWaitSeconds(process.pid) - benchWaitBefore) / cpu.wallS;
  loopDelay.disable();
  const clockSkewAfter = Date.now() - epochNow();
  progress(`run over after ${(runWallMs / 1000).toFixed(1)} s; listening ${QUIET_MS / 1000} s more for duplicate replies`);
  await sleep(QUIET_MS);
  return {
    chats,
    planned,
    injector,
    timedOut,
    memoryAtEnd,
    cpu,
    benchCpuS,
    benchWaiting,
    loopDelay,
    clockSkewBefore,
    clockSkewAfter,
  };
}
type Run = Awaited<ReturnType<typeof measure>>;

/** Chats that got every reply and whose transcript, as the user sees it, is not exactly the expected replies in order. */
function transcriptsOutOfOrder(emulator: ChatStack['emulator'], chats: SimChat[]): { badTranscripts: number; badSamples: string[] } {
  let badTranscripts = 0;
  const badSamples: string[] = [];
  for (const chat of chats) {
    if (!chat.steps.every((s) => s.replyAt !== undefined)) continue;
    const texts = emulator
      .messages(chat.user.chatId, chat.bot.id)
      .filter((m) => m.from?.id === chat.bot.id)
      .map((m) => ('text' in m ? m.text : ''));
    if (JSON.stringify(texts) !== JSON.stringify(chat.steps.map((s) => s.expect))) {
      badTranscripts += 1;
      if (badSamples.length < 3) badSamples.push(`chat ${chat.user.chatId}: ${JSON.stringify(texts)}`);
    }
  }
  return { badTranscripts, badSamples };
}

/**
 * Sets each reply's `tokenAt`: when Telegram's pacing would have let it go out, replayed over the
 * observed send times per chat (burst, then chatPerS) and per bot (botPerS).
 */
function replayPacing(bench: Bench, chats: SimChat[], replied: Step[]): void {
  const { tracker, limits } = bench;
  for (const chat of chats) {
    const done = chat.steps.filter((s) => s.replyAt !== undefined).sort((a, b) => (a.replyAt as number) - (b.replyAt as number));
    const available = tokenAvailableAt(
      done.map((s) => s.replyAt as number),
      limits.chatBurst,
      limits.chatPerS,
    );
    done.forEach((s, i) => (s.tokenAt = available[i] as number));
  }
  const botTokenAt = new Map<string, number>();
  for (const [bot, times] of tracker.sendsByBot) {
    const sorted = [...times].sort((a, b) => a - b);
    const available = tokenAvailableAt(sorted, limits.botPerS, limits.botPerS);
    sorted.forEach((t, i) => botTokenAt.set(`${bot}:${t}`, available[i] as number));
  }
  for (const s of replied) {
    const botAt = botTokenAt.get(`${s.chat.bot.id}:${s.replyAt}`) ?? Number.NEGATIVE_INFINITY;
    s.tokenAt = Math.max(s.tokenAt ?? Number.NEGATIVE_INFINITY, botAt);
  }
}

/** Latency, pacing, throughput and correctness, from what the emulator saw of the measured chats. */
function replyFigures(bench: Bench, run: Run) {
  const { tracker } = bench;
  const { emulator } = bench.stack;
  const { chats, planned, injector, timedOut } = run;
  const steps = chats.flatMap((c) => c.steps);
  const sent = steps.filter((s) => s.sentAt !== undefined);
  const replied = steps.filter((s) => s.replyAt !== undefined && s.firstTryAt !== undefined);

  replayPacing(bench, chats, replied);
  const isHeld = (s: Step) => (s.tokenAt ?? Number.NEGATIVE_INFINITY) > (s.firstTryAt as number);
  const held = replied.filter(isHeld);
  const free = replied.filter((s) => !isHeld(s));

  const latency = (list: Step[]) => list.map((s) => (s.replyAt as number) - (s.firstTryAt as number));
  const replyAll = dist(latency(replied));
  const replyFree = dist(latency(free));
  const replyStart = dist(latency(replied.filter((s) => s.index === 0)));
  const replyClicks = dist(latency(replied.filter((s) => s.index > 0)));
  const byStep = Array.from({ length: STEPS }, (_, i) => {
    const list = replied.filter((s) => s.index === i);
    return { step: i, text: counterReply(i), ...dist(latency(list)), held: list.filter(isHeld).length };
  });
  const heldFloor = dist(held.map((s) => (s.tokenAt as number) - (s.firstTryAt as number)));
  const heldOverrun = dist(held.map((s) => (s.replyAt as number) - (s.tokenAt as number)));
  const userToReply = dist(replied.filter((s) => s.sentAt !== undefined).map((s) => (s.replyAt as number) - (s.sentAt as number)));
  const queuedBeforePost = dist(sent.filter((s) => s.firstTryAt !== undefined).map((s) => (s.firstTryAt as number) - (s.sentAt as number)));
  const acked = steps.filter((s) => s.ackAt !== undefined && s.firstTryAt !== undefined);
  const ack = dist(acked.map((s) => (s.ackAt as number) - (s.firstTryAt as number)));
  const ackToReply = dist(replied.filter((s) => s.ackAt !== undefined).map((s) => (s.replyAt as number) - (s.ackAt as number)));
  const presses = sent.filter((s) => s.index > 0);
  const answered = presses.filter((s) => s.answerAt !== undefined && s.firstTryAt !== undefined);
  const answer = dist(answered.map((s) => (s.answerAt as number) - (s.firstTryAt as number)));

  // Throughput: replies from the first POST to the last reply, and per second in the middle of the run.
  const firstPost = Math.min(...replied.map((s) => s.firstTryAt as number));
  const lastReply = Math.max(...replied.map((s) => s.replyAt as number));
  const spanS = (lastReply - firstPost) / 1000;
  const updatesPerS = replied.length / spanS;
  const perSecond = new Array<number>(Math.max(1, Math.ceil(spanS))).fill(0);
  for (const s of replied) {
    const bin = Math.min(perSecond.length - 1, Math.floor(((s.replyAt as number) - firstPost) / 1000));
    perSecond[bin] = (perSecond[bin] ?? 0) + 1;
  }
  const middle =
    spanS >= 5
      ? perSecond.slice(
          Math.floor(perSecond.length * 0.1),
          Math.max(Math.floor(perSecond.length * 0.1) + 1, Math.floor(perSecond.length * 0.9)),
        )
      : perSecond;
  const sustainedPerS = spanS >= 5 ? middle.reduce((a, b) => a + b, 0) / middle.length : updatesPerS;
  const replyTimes = replied.map((s) => s.replyAt as number).sort((a, b) => a - b);
  const peak5sPerS = peakInWindow(replyTimes, 5_000) / 5;
  const injectionPerS = injector.sent > 1 ? ((injector.sent - 1) * 1000) / (injector.lastAt - injector.firstAt) : Number.NaN;
  // How fast updates became durable in Temporal (webhook 200s), whatever happened after.
  const ackTimes = acked.map((s) => s.ackAt as number);
  const acksPerS =
    ackTimes.length > 1
      ? ackTimes.length / ((Math.max(...ackTimes) - Math.min(...acked.map((s) => s.firstTryAt as number))) / 1000)
      : Number.NaN;
  const peakBotSendsPerS = Math.max(
    0,
    ...[...tracker.sendsByBot.values()].map((t) =>
      peakInWindow(
        [...t].sort((a, b) => a - b),
        1_000,
      ),
    ),
  );

  // Correctness.
  const duplicateReplies = steps.reduce((n, s) => n + Math.max(0, s.replies - 1), 0);
  const repeatedAnswers = presses.reduce((n, s) => n + Math.max(0, s.answers - 1) + s.answerErrors, 0);
  const lost = steps.filter((s) => s.ackAt !== undefined && s.replyAt === undefined);
  const unanswered = presses.filter((s) => s.ackAt !== undefined && s.answerAt === undefined);
  const undelivered = sent.filter((s) => s.ackAt === undefined);
  const gaveUp = sent.filter((s) => s.gaveUp && s.ackAt === undefined);
  const retried = sent.filter((s) => s.failedTries > 0);
  const notSent = planned - sent.length;
  const { badTranscripts, badSamples } = transcriptsOutOfOrder(emulator, chats);
  const ok =
    !timedOut &&
    duplicateReplies === 0 &&
    repeatedAnswers === 0 &&
    lost.length === 0 &&
    unanswered.length === 0 &&
    undelivered.length === 0 &&
    tracker.unexpectedCount === 0 &&
    tracker.failedSends === 0 &&
    badTranscripts === 0;
  return {
    sent,
    replied,
    held,
    replyAll,
    replyFree,
    replyStart,
    replyClicks,
    byStep,
    heldFloor,
    heldOverrun,
    userToReply,
    queuedBeforePost,
    acked,
    ack,
    ackToReply,
    answer,
    spanS,
    updatesPerS,
    sustainedPerS,
    peak5sPerS,
    injectionPerS,
    acksPerS,
    peakBotSendsPerS,
    duplicateReplies,
    repeatedAnswers,
    lost,
    unanswered,
    undelivered,
    gaveUp,
    retried,
    notSent,
    badTranscripts,
    badSamples,
    ok,
  };
}
type ReplyFigures = ReturnType<typeof replyFigures>;

/**
 * Where the time goes inside: a sample of workflow histories; and for updates acked but
 * unanswered, whether their chat's work is still queued in Temporal (a lag) or gone.
 */
async function whereTheTimeGoes(bench: Bench, chats: SimChat[], lost: Step[]) {
  const { tracker } = bench;
  const { env, ports } = bench.stack;
  let historyNote = '';
  const phases = Object.fromEntries(phaseNames.map((name) => [name, { start: [] as number[], press: [] as number[] }])) as Record<
    PhaseName,
    { start: number[]; press: number[] }
  >;
  let sampledUpdates = 0;
  let taskFailures = 0;
  let taskTimeouts = 0;
  let historyEvents = 0;
  // Chats that finished, evenly spread; after a timeout, topped up with chats whose /start was acked.
  const evenly = <T>(list: T[], count: number) =>
    list.filter((_, i) => i % Math.max(1, Math.floor(list.length / count)) === 0).slice(0, count);
  const complete = chats.filter((c) => c.steps.every((s) => s.replyAt !== undefined));
  const started = chats.filter((c) => c.steps[0]?.ackAt !== undefined && !complete.includes(c));
  const sample =
    HISTORY_SAMPLE === 0 ? [] : [...evenly(complete, HISTORY_SAMPLE), ...evenly(started, HISTORY_SAMPLE)].slice(0, HISTORY_SAMPLE);
  // Updates acked but unanswered: is their chat's work still queued in Temporal (a lag), or gone?
  const lostSample = evenly(lost, 20);
  const lostState = { checked: 0, taskScheduled: 0, taskStarted: 0, noPendingTask: 0, notFound: 0, maxPendingS: 0 };
  if (sample.length > 0 || lostSample.length > 0) {
    let connection: Connection | undefined;
    try {
      const connected = await connectBenchClient(env, env.TEMPORAL_ADDRESS ?? `127.0.0.1:${ports.temporal}`, { connectTimeout: 5_000 });
      connection = connected.connection;
      const client = connected.client;
      const histories: ChatHistory[] = await mapConcurrent(sample, 4, (chat) =>
        chatHistory(client, chatWorkflowId(String(chat.bot.id), chat.user.chatId)),
      );
      sample.forEach((chat, i) => {
        const history = histories[i] as ChatHistory;
        taskFailures += history.taskFailures;
        taskTimeouts += history.taskTimeouts;
        historyEvents += history.events;
        for (const t of history.updates) {
          const step = tracker.byUpdate.get(`${chat.bot.id}:${t.updateId}`);
          if (!step || step.firstTryAt === undefined) continue;
          sampledUpdates += 1;
          const kind = step.index === 0 ? 'start' : 'press';
          const add = (name: PhaseName, value: number) => phases[name][kind].push(value);
          add('postToIngress', t.receivedAt - step.firstTryAt);
          add('ingressToSignal', t.signaledAt - t.receivedAt);
          if (step.ackAt !== undefined) add('signalToAck', step.ackAt - t.signaledAt);
          if (t.taskScheduledAt !== undefined) add('signalToTaskScheduled', t.taskScheduledAt - t.signaledAt);
          if (t.taskScheduledAt !== undefined && t.taskStartedAt !== undefined)
            add('scheduledToTaskStarted', t.taskStartedAt - t.taskScheduledAt);
          if (t.taskStartedAt !== undefined) {
            if (step.answerAt !== undefined) add('taskStartToAnswer', step.answerAt - t.taskStartedAt);
            if (step.replyAt !== undefined) add('taskStartToReply', step.replyAt - t.taskStartedAt);
          }
          if (t.taskCompletedAt !== undefined && step.replyAt !== undefined) add('replyToTaskDone', t.taskCompletedAt - step.replyAt);
        }
      });
      historyNote = `${sample.length} chats, ${sampledUpdates} updates, ${historyEvents} events; workflow tasks failed ${taskFailures}, timed out ${taskTimeouts}`;
      const states = await mapConcurrent(lostSample, 4, (step) =>
        pendingTask(client, chatWorkflowId(String(step.chat.bot.id), step.chat.user.chatId)),
      );
      for (const state of states) {
        lostState.checked += 1;
        if (state.status === 'NOT_FOUND') lostState.notFound += 1;
        else if (state.pendingTask === 'scheduled') lostState.taskScheduled += 1;
        else if (state.pendingTask === 'started') lostState.taskStarted += 1;
        else lostState.noPendingTask += 1;
        lostState.maxPendingS = Math.max(lostState.maxPendingS, (state.pendingForMs ?? 0) / 1000);
      }
    } catch (err) {
      historyNote = `unavailable: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  return { historyNote, phases, taskFailures, taskTimeouts, lostState };
}

/** The result block and the JSON line. */
function printReport(bench: Bench, run: Run, f: ReplyFigures, inside: Awaited<ReturnType<typeof whereTheTimeGoes>>): void {
  const { tracker, limits, modeText } = bench;
  const { dataDir, notable } = bench.stack;
  const { planned, timedOut, memoryAtEnd, cpu, benchCpuS, benchWaiting, loopDelay, clockSkewBefore, clockSkewAfter } = run;
  const { sent, replied, held, replyAll, replyFree, replyStart, replyClicks, byStep, heldFloor, heldOverrun } = f;
  const { userToReply, queuedBeforePost, acked, ack, ackToReply, answer, spanS, updatesPerS, sustainedPerS, peak5sPerS } = f;
  const { injectionPerS, acksPerS, peakBotSendsPerS, duplicateReplies, repeatedAnswers, lost, unanswered, undelivered } = f;
  const { gaveUp, retried, notSent, badTranscripts, badSamples, ok } = f;
  const { historyNote, phases, taskFailures, taskTimeouts, lostState } = inside;
  const phaseDist = (name: PhaseName) => ({ start: dist(phases[name].start), press: dist(phases[name].press) });
  /** `/start p50 / p99; presses p50 / p99` of one phase. */
  const phaseText = (name: PhaseName) => {
    const { start, press } = phaseDist(name);
    const part = (d: Dist) => (d.n === 0 ? '–' : `${ms(d.p50)} / ${ms(d.p99)}`);
    return `${part(start).padStart(13)} | ${part(press).padEnd(13)} ms`;
  };

  const cpuNames = Object.entries(cpu.byName).sort(([, a], [, b]) => b.cpuS - a.cpuS);
  const stackCpuS = cpuNames.reduce((s, [, v]) => s + v.cpuS, 0);
  const otherCpuS = Math.max(0, cpu.machineBusyS - stackCpuS - benchCpuS);
  const sqlite = {
    dbBytes: fileSize(path.join(dataDir, 'temporal.sqlite')),
    walBytes: fileSize(path.join(dataDir, 'temporal.sqlite-wal')),
  };
  // The histogram holds whole timer intervals; what exceeds the resolution is the delay.
  const lag = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS), 1);
  const loop = { p50: lag(loopDelay.percentile(50)), p99: lag(loopDelay.percentile(99)), max: lag(loopDelay.max) };
  const atTargetRate = RATE === TARGET_AT_RATE;
  const latencyPass = replyAll.p50 <= TARGET_P50_MS && replyAll.p99 <= TARGET_P99_MS;
  const latencyFreePass = replyFree.p50 <= TARGET_P50_MS && replyFree.p99 <= TARGET_P99_MS;
  const throughputPass = sustainedPerS >= TARGET_UPDATES_PER_S;
  const note = atTargetRate
    ? ''
    : `   (the target is stated at ${TARGET_AT_RATE} updates/s; this run: ${RATE > 0 ? `${RATE}/s` : 'unpaced'})`;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

  const rows: Row[] = [
    ['scenario', modeText],
    [
      'updates',
      `${planned} planned, ${sent.length} sent, ${acked.length} acked by the webhook, ${replied.length} replied${notSent ? `, ${notSent} never sent (timeout)` : ''}`,
    ],
    [
      'injection',
      RATE > 0
        ? `${injectionPerS.toFixed(1)} updates/s achieved (asked ${RATE}/s${injectionPerS < RATE * 0.9 ? `; short because every chat was waiting for its reply: ${PRESS === 'sequential' ? 'more chats, or ' : ''}a faster system would reach it` : ''})`
        : `unpaced; ${Number.isFinite(injectionPerS) ? injectionPerS.toFixed(0) : '–'} user actions/s on average`,
    ],
    ['', ''],
    ['reply latency', `POST of the update → bot's sendMessage at the emulator`],
    ['  all replies', `${formatDist(replyAll)}   target p50 ≤ ${TARGET_P50_MS}, p99 ≤ ${TARGET_P99_MS}: ${pass(latencyPass)}${note}`],
    ['  not held by pacing', `${formatDist(replyFree)}   target: ${pass(latencyFreePass)}`],
    ['  /start', formatDist(replyStart)],
    ['  presses', formatDist(replyClicks)],
    ...byStep.map((s): Row => [
      `  #${s.step + 1} "${s.text}"`,
      `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}, max ${ms(s.max)} ms; held by pacing ${s.held}/${s.n}`,
    ]),
    ['callback answer', `POST of a press → answerCallbackQuery: ${formatDist(answer)}`],
    ['user action → reply', `${formatDist(userToReply)}   (includes the emulator's per-chat queue and max_connections)`],
    ['', ''],
    [
      'pacing',
      `chat: burst ${limits.chatBurst}, then ${limits.chatPerS}/s; bot: ${limits.botPerS}/s (× ${BOTS} bots = ${limits.botPerS * BOTS}/s)`,
    ],
    [
      '  held replies',
      `${held.length} of ${replied.length} (${((held.length / Math.max(1, replied.length)) * 100).toFixed(0)}%) could not go out before their token; floor set by pacing: ${formatDist(heldFloor)}`,
    ],
    ['  held: token → reply', `${formatDist(heldOverrun)}   (what the system added after pacing released it)`],
    ['  peak sends per bot', `${peakBotSendsPerS} in one second (limit ${limits.botPerS})`],
    ['', ''],
    [
      'throughput',
      `${updatesPerS.toFixed(1)} updates/s overall (first POST → last reply ${spanS.toFixed(1)} s); sustained ${sustainedPerS.toFixed(1)}/s (middle 80%), peak 5 s ${peak5sPerS.toFixed(1)}/s; webhook 200s ${acksPerS.toFixed(1)}/s   target ≥ ${TARGET_UPDATES_PER_S}: ${RATE > 0 ? `n/a (paced at ${RATE}/s)` : pass(throughputPass)}`,
    ],
    ['', ''],
    [
      'duplicates',
      `${duplicateReplies} replies seen twice, ${repeatedAnswers} repeated callback answers   must be 0: ${pass(duplicateReplies === 0 && repeatedAnswers === 0)}`,
    ],
    [
      'lost',
      `${lost.length} acked updates without a reply, ${unanswered.length} presses without an answer   must be 0: ${pass(lost.length === 0 && unanswered.length === 0)}`,
    ],
    ...(lostState.checked > 0
      ? [
          [
            '  still in Temporal?',
            `of ${lostState.checked} sampled: workflow task queued ${lostState.taskScheduled} (longest ${lostState.maxPendingS.toFixed(0)} s), running ${lostState.taskStarted}, none pending ${lostState.noPendingTask}, workflow not found ${lostState.notFound}`,
          ] as Row,
        ]
      : []),
    [
      'undelivered',
      `${undelivered.length} sent updates never acked by the webhook (${gaveUp.length} given up after ${WEBHOOK_MAX_ATTEMPTS} tries); ${retried.length} needed a retry`,
    ],
    [
      'delivery errors',
      tracker.deliveryErrors.size === 0 ? 'none' : [...tracker.deliveryErrors].map(([reason, n]) => `${n}× ${reason}`).join('; '),
    ],
    [
      'other checks',
      `${tracker.unexpectedCount} unexpected replies${tracker.unexpected.length ? ` (${tracker.unexpected.join('; ')})` : ''}, ${tracker.failedSends} refused sendMessage, ${badTranscripts} transcripts out of order${badSamples.length ? ` (${badSamples.join('; ')})` : ''}`,
    ],
    ['', ''],
    ['where the time goes', `p50 / p99 per update; from workflow histories: /start | presses (${historyNote || 'no sample'})`],
    [
      '  queued in emulator',
      `${ms(queuedBeforePost.p50)} / ${ms(queuedBeforePost.p99)} ms   user action → first POST (per-chat order, ${BOTS}×40 connections)`,
    ],
    [
      '  POST → 200',
      `${ms(ack.p50)} / ${ms(ack.p99)} ms   a free webhook connection, secret lookup (PostgreSQL), signal-with-start (Temporal, SQLite)`,
    ],
    ['    POST → ingress', `${phaseText('postToIngress')}   HTTP, JSON, bot/secret SELECT (ingress receivedAt, ms clock)`],
    ['    ingress → signal', `${phaseText('ingressToSignal')}   signal-with-start until the server persisted the signal`],
    ['    signal → 200', `${phaseText('signalToAck')}   answer back through the ingress to the emulator`],
    ['  200 → reply', `${ms(ackToReply.p50)} / ${ms(ackToReply.p99)} ms`],
    ['    signal → task scheduled', `${phaseText('signalToTaskScheduled')}   waits while the chat's previous task is still open`],
    ['    scheduled → started', `${phaseText('scheduledToTaskStarted')}   task queue until a worker poller takes it`],
    ['    task → answer', `${phaseText('taskStartToAnswer')}   answerCallbackQuery (local activity)`],
    ['    task → reply', `${phaseText('taskStartToReply')}   flow lookup (PostgreSQL), interpreter, pacing, sendMessage`],
    ['    reply → task done', `${phaseText('replyToTaskDone')}   (after the reply: the task completes)`],
    [
      '  CPU during the run',
      `${cpuNames.map(([name, v]) => `${name} ${v.cpuS.toFixed(1)} s (avg ${v.meanPct.toFixed(0)}%, peak ${v.peakPct.toFixed(0)}%)`).join(', ')}; bench+emulator ${benchCpuS.toFixed(1)} s (${((benchCpuS / cpu.wallS) * 100).toFixed(0)}%)`,
    ],
    [
      '  waiting for a CPU',
      `${cpuNames.map(([name, v]) => `${name} ${v.waitingThreads.toFixed(2)}`).join(', ')} threads on average; bench+emulator ${benchWaiting.toFixed(2)} (runnable, not running: /proc/*/task/*/schedstat)`,
    ],
    [
      '  node threads',
      cpu.rootThreads
        .map(
          (t) =>
            `${t.main ? 'main (event loop: API, ingress, activities)' : `thread ${t.tid} (${t.name})`} avg ${t.meanPct.toFixed(0)}% / peak ${t.peakPct.toFixed(0)}%`,
        )
        .join(', ') + '   (workflow code runs in one worker thread of its own)',
    ],
    [
      '  machine',
      `${os.cpus().length} cores; stack avg ${cpu.treeMeanPct.toFixed(0)}% / peak ${cpu.treePeakPct.toFixed(0)}% of one core; other processes ${otherCpuS.toFixed(1)} CPU-s${otherCpuS / Math.max(cpu.wallS, 1) > 0.2 ? '   NOTE: the machine was not quiet' : ''}`,
    ],
    [
      '  per update (CPU)',
      `${((stackCpuS / Math.max(1, replied.length)) * 1000).toFixed(1)} ms stack: ${cpuNames
        .filter(([, v]) => v.cpuS >= 0.05)
        .map(([name, v]) => `${name} ${((v.cpuS / Math.max(1, replied.length)) * 1000).toFixed(1)} ms`)
        .join(', ')}`,
    ],
    [
      '  bench event loop',
      `delay p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms (inflates every figure above by up to this much)`,
    ],
    [
      '  memory at the end',
      Object.entries(memoryAtEnd)
        .map(([name, m]) => `${name} ${m.pssMb} MB PSS (${m.count})`)
        .join(', '),
    ],
    ['  Temporal SQLite', `${mb(sqlite.dbBytes)} + WAL ${mb(sqlite.walBytes)} at the end`],
    [
      '  stack warnings',
      notable.total === 0
        ? 'none'
        : notable
            .top()
            .map((l) => `${l.count}× ${l.line}`)
            .join(' | '),
    ],
    ['result', ok ? 'OK' : `FAILED${timedOut ? ' (timed out)' : ''}`],
  ];
  printBlock(`chat latency over the webhook (start entrypoint, emulator as Telegram)`, rows);
  printJsonLine('chat-latency', {
    chats: CHATS,
    bots: BOTS,
    rate: RATE,
    press: PRESS,
    planned,
    sent: sent.length,
    acked: acked.length,
    replied: replied.length,
    notSent,
    timedOut,
    injectionPerS: round(injectionPerS, 1),
    replyMs: replyAll,
    replyNotHeldMs: replyFree,
    replyStartMs: replyStart,
    replyPressMs: replyClicks,
    replyByStepMs: byStep,
    callbackAnswerMs: answer,
    userToReplyMs: userToReply,
    queuedInEmulatorMs: queuedBeforePost,
    postTo200Ms: ack,
    ackToReplyMs: ackToReply,
    pacing: { ...limits, held: held.length, heldFloorMs: heldFloor, heldTokenToReplyMs: heldOverrun, peakBotSendsPerS },
    updatesPerS: round(updatesPerS, 1),
    sustainedUpdatesPerS: round(sustainedPerS, 1),
    peak5sUpdatesPerS: round(peak5sPerS, 1),
    webhookAcksPerS: round(acksPerS, 1),
    spanS: round(spanS, 2),
    duplicates: duplicateReplies,
    repeatedCallbackAnswers: repeatedAnswers,
    lost: lost.length,
    unansweredPresses: unanswered.length,
    undelivered: undelivered.length,
    gaveUp: gaveUp.length,
    retried: retried.length,
    deliveryErrors: Object.fromEntries(tracker.deliveryErrors),
    unexpectedReplies: tracker.unexpectedCount,
    refusedSends: tracker.failedSends,
    badTranscripts,
    lostSampleState: lostState,
    memoryMbAtEnd: memoryAtEnd,
    history: {
      note: historyNote,
      ...Object.fromEntries(phaseNames.map((name) => [`${name}Ms`, phaseDist(name)])),
      taskFailures,
      taskTimeouts,
    },
    cpu: {
      wallS: round(cpu.wallS, 1),
      byName: Object.fromEntries(
        cpuNames.map(([name, v]) => [
          name,
          {
            cpuS: round(v.cpuS, 1),
            meanPct: round(v.meanPct, 0),
            peakPct: round(v.peakPct, 0),
            waitingThreads: round(v.waitingThreads, 2),
          },
        ]),
      ),
      nodeThreads: cpu.rootThreads.map((t) => ({
        tid: t.tid,
        main: t.main,
        cpuS: round(t.cpuS, 1),
        meanPct: round(t.meanPct, 0),
        peakPct: round(t.peakPct, 0),
      })),
      stackMeanPct: round(cpu.treeMeanPct, 0),
      stackPeakPct: round(cpu.treePeakPct, 0),
      benchClientCpuS: round(benchCpuS, 1),
      benchWaitingThreads: round(benchWaiting, 2),
      otherProcessesCpuS: round(otherCpuS, 1),
      cpuMsPerUpdate: round((stackCpuS / Math.max(1, replied.length)) * 1000, 1),
    },
    benchEventLoopDelayMs: loop,
    clockSkewMs: { before: round(clockSkewBefore, 1), after: round(clockSkewAfter, 1) },
    sqlite,
    stackWarnings: notable.top(),
    targets: { p50Ms: TARGET_P50_MS, p99Ms: TARGET_P99_MS, atRate: TARGET_AT_RATE, updatesPerS: TARGET_UPDATES_PER_S },
    latencyPass,
    latencyNotHeldPass: latencyFreePass,
    throughputPass: RATE > 0 ? null : throughputPass,
    ok,
  });
}

async function main(): Promise<boolean> {
  const bench = await prepare();
  try {
    await startBots(bench);
    const injector = paceChats(bench);
    await warmUp(bench);
    const run = await measure(bench, injector);
    const replies = replyFigures(bench, run);
    const inside = await whereTheTimeGoes(bench, run.chats, replies.lost);
    printReport(bench, run, replies, inside);
    return replies.ok;
  } finally {
    await bench.stack.stop();
  }
}

// `--busy`: presses while chats are busy, a bench of its own (chat-busy.ts) under the same npm script.
// `--floor`: the project against a minimal chat-as-workflow bot on the same server (chat-floor.ts).
if (process.argv.includes('--busy')) runBench('chat busy', busyMain);
else if (process.argv.includes('--floor')) runBench('chat floor', floorMain);
else runBench('chat latency', main);
