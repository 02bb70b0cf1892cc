/**
 * The project's cost per chat update against Temporal's own floor, measured side by side in one
 * run on one Temporal server (machines here are noisy: only ratios from one run count).
 *
 *   npm run bench:chat -- --floor [--chats=100] [--rate=20] [--unpaced-chats=200] [--bots=5] [--rounds=1]
 *                                 [--systems=floor,project] [--explain]
 *   npm run bench:chat -- --floor --scale=10000 [--rate=30] [--scale-steps=2]: flat with many chats?
 *   (or BENCH_CHATS, BENCH_RATE, BENCH_UNPACED_CHATS, BENCH_BOTS, BENCH_ROUNDS, BENCH_SYSTEMS)
 *
 * The floor (bench/floor/chat-*.ts, its own process): a webhook → one signal-with-start → a
 * workflow per chat that answers each update with one local activity. The project: the `start`
 * entrypoint (which also runs the shared Temporal dev server and PostgreSQL) with the counter bot
 * of support/counter-flow.ts published on every bot, Telegram's send pacing lifted (the floor has
 * none), LOG_LEVEL=warn. Both answer the same updates with the same Bot API calls: /start →
 * "Menu" with a button; each press → answerCallbackQuery and "click N".
 *
 * Scenarios, each run for the floor and then for the project, `--rounds` times:
 *  - paced: `--chats` chats, each /start then 5 presses, a press sent once the previous reply
 *    arrived (as a person does), all chats' actions released at `--rate` updates/s in total;
 *  - unpaced: `--unpaced-chats` chats doing the same with no pacing (throughput).
 * Figures per scenario and system: CPU per update (the system's bot process + Temporal +
 * PostgreSQL, from /proc, from the first action to 500 ms after the last reply), reply latency
 * p50/p99 (the emulator's first webhook try → the reply reaching the emulator), updates/s; then
 * project ÷ floor. `--explain` prints the history of the project's slowest first and later update
 * of each run (where its time went). Exits 1 when an update went unanswered or was answered twice.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectBenchClient } from './support/temporal-connection';
import type { BotIdentity, TelegramEmulator } from '../src/telegram-emulator';
import { chatWorkflowId } from '../src/temporal/workflow-ids';
import { addBots, startChatStack, type ChatStack } from './support/chat-stack';
import { CounterChats, type SimChat, type Step } from './support/counter-chats';
import { counterFlow } from './support/counter-flow';
import { BenchProcess } from './support/entrypoint';
import { historyTimeline } from './support/history-timeline';
import { Injector } from './support/injector';
import { freePorts } from './support/ports';
import { cpuDelta, treeCpuSeconds, treeMemory } from './support/proc';
import { printBlock, printJsonLine, progress, type Row } from './support/report';
import { sleep } from './support/stack';
import { intOption, stringOption } from './support/options';
import { epochNow } from './support/clock';
import { dist, round, type Dist } from './support/stats';

const CHATS = intOption('chats', 'BENCH_CHATS', 100);
const RATE = intOption('rate', 'BENCH_RATE', 20);
const UNPACED_CHATS = intOption('unpaced-chats', 'BENCH_UNPACED_CHATS', 200);
const BOTS = intOption('bots', 'BENCH_BOTS', 5);
const ROUNDS = intOption('rounds', 'BENCH_ROUNDS', 1);
/** Which systems to run (both by default; one alone for profiling). */
const SYSTEMS = stringOption('systems', 'BENCH_SYSTEMS', 'floor,project')
  .split(',')
  .filter((s): s is System => s === 'floor' || s === 'project');
const EXPLAIN = process.argv.includes('--explain');
/** `--scale=N`: the project alone, 100 chats and then N chats at --rate, `--scale-steps` updates each. */
const SCALE = process.argv.some((a) => a.startsWith('--scale=')) ? intOption('scale', 'BENCH_SCALE', 10_000) : 0;
const SCALE_STEPS = intOption('scale-steps', 'BENCH_SCALE_STEPS', 2);
const STEPS = 6;
const TAIL_MS = 500;

type System = 'floor' | 'project';

interface RunFigures {
  updates: number;
  replied: number;
  /** The bot process's resident memory after the run (its worker caches every chat so far). */
  botRssMb?: number;
  /** Webhook POSTs that failed (Telegram retries them), by reason. */
  failedTries: Record<string, number>;
  duplicates: number;
  wallS: number;
  updatesPerS: number;
  cpuMsPerUpdate: { bot: number; temporal: number; postgres: number; total: number };
  latency: Dist;
  /** The chat and first webhook try of the slowest first update and the slowest later one. */
  slowest: { start?: { chatId: number; botId: number; at: number }; press?: { chatId: number; botId: number; at: number } };
  /** The first update of each chat (a new workflow) and the others, apart. */
  startLatency: Dist;
  pressLatency: Dist;
}

/** The processes whose CPU counts for a system: its bot process, and the shared Temporal and PostgreSQL. */
function systemCpu(system: System, stack: ChatStack, floor: BenchProcess): { bot: number; temporal: number; postgres: number } {
  const shared = treeCpuSeconds(stack.proc.pid);
  const bot = system === 'project' ? (shared.node ?? 0) : (treeCpuSeconds(floor.pid).node ?? 0);
  return { bot, temporal: shared.temporal ?? 0, postgres: shared.postgres ?? 0 };
}

/**
 * Plays `count` chats against `bots` (each /start then presses, the next action once the previous
 * reply arrived), releasing actions at `rate` updates/s in total (0: unpaced), and measures them.
 */
async function drive(
  emulator: TelegramEmulator,
  bots: BotIdentity[],
  count: number,
  rate: number,
  measure: () => { bot: number; temporal: number; postgres: number },
  label: string,
  steps = STEPS,
): Promise<RunFigures> {
  const played = new CounterChats(emulator).attach();
  const injector = new Injector<SimChat>(rate, (chat) => played.send(chat));
  played.onReplied = (step) => {
    if (step.index + 1 < steps) injector.ready(step.chat);
  };
  try {
    const chats = Array.from({ length: count }, (_, i) => played.newChat(bots[i % bots.length] as BotIdentity, `${label} ${i}`, steps));
    const planned = count * steps;
    const timeoutMs = (rate > 0 ? (planned / rate) * 1_000 : 0) + 120_000;
    const cpuBefore = measure();
    const started = performance.now();
    const paced = injector.run();
    for (const chat of chats) injector.ready(chat);
    let lastReport = started;
    while (played.replied < planned && performance.now() - started < timeoutMs) {
      await sleep(50);
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        progress(`${label}: ${played.replied}/${planned} replied, ${((lastReport - started) / 1000).toFixed(0)} s`);
      }
    }
    const lastReplyWall = performance.now();
    await sleep(TAIL_MS);
    const cpu = cpuDelta(cpuBefore, measure());
    injector.stop();
    await paced;
    const wallS = (lastReplyWall - started + TAIL_MS) / 1000;
    const timed = chats.flatMap((c) => c.steps).filter((s) => s.replyAt !== undefined && s.firstTryAt !== undefined);
    const latencies = (which: (step: Step) => boolean) => timed.filter(which).map((s) => (s.replyAt as number) - (s.firstTryAt as number));
    const slowestOf = (which: (step: Step) => boolean) => {
      let worst: { chatId: number; botId: number; at: number; ms: number } | undefined;
      for (const s of timed.filter(which)) {
        const ms = (s.replyAt as number) - (s.firstTryAt as number);
        if (!worst || ms > worst.ms) worst = { chatId: s.chat.user.chatId, botId: s.chat.bot.id, at: s.firstTryAt as number, ms };
      }
      return worst;
    };
    const allSteps = chats.flatMap((c) => c.steps);
    const replyTimes = allSteps.flatMap((s) => (s.replyAt === undefined ? [] : [s.replyAt]));
    const firstTry = Math.min(...allSteps.flatMap((s) => (s.firstTryAt === undefined ? [] : [s.firstTryAt])));
    const replied = played.replied;
    const perUpdate = (s: number) => round((s * 1000) / Math.max(1, replied), 2);
    const bot = cpu.bot ?? 0;
    const temporal = cpu.temporal ?? 0;
    const postgres = cpu.postgres ?? 0;
    return {
      updates: planned,
      replied,
      failedTries: Object.fromEntries(played.deliveryErrors),
      slowest: { start: slowestOf((s) => s.index === 0), press: slowestOf((s) => s.index > 0) },
      duplicates: allSteps.reduce((n, s) => n + Math.max(0, s.replies - 1), 0) + played.unexpectedCount,
      wallS: round(wallS, 1),
      updatesPerS: round(replied / ((Math.max(...replyTimes) - firstTry) / 1000), 1),
      cpuMsPerUpdate: {
        bot: perUpdate(bot),
        temporal: perUpdate(temporal),
        postgres: perUpdate(postgres),
        total: perUpdate(bot + temporal + postgres),
      },
      latency: dist(latencies(() => true)),
      startLatency: dist(latencies((s) => s.index === 0)),
      pressLatency: dist(latencies((s) => s.index > 0)),
    };
  } finally {
    played.detach();
  }
}

/** `--explain`: the project's slowest first and later update of each run, as history timelines. */
async function explain(stack: ChatStack, run: RunFigures): Promise<void> {
  const { client, connection } = await connectBenchClient(stack.env, `127.0.0.1:${stack.ports.temporal}`, { namespace: 'default' });
  try {
    for (const [kind, slow] of Object.entries(run.slowest)) {
      if (!slow) continue;
      const lines = await historyTimeline(client, chatWorkflowId(String(slow.botId), String(slow.chatId)), slow.at);
      printBlock(
        `slowest ${kind} (ms from the webhook's first try)`,
        lines.map((line, i) => [String(i + 1), line]),
      );
    }
  } finally {
    await connection.close();
  }
}

/** The SDK's workflow cache counters (temporal_sticky_cache_*), summed over labels. */
async function cacheMetrics(address: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const result: Record<string, number> = {};
  for (const match of text.matchAll(/^temporal_sticky_cache_(\w+?)(?:_total)?(?:\{[^}]*\})? ([\d.e+]+)$/gm)) {
    const name = match[1] as string;
    result[name] = (result[name] ?? 0) + Number(match[2]);
  }
  return result;
}

/**
 * `--scale=N`: whether the cost per update stays flat with many chats. The project alone: 100
 * chats, then N chats, each `--scale-steps` updates, at `--rate` in total; actions FIFO, so with N
 * large every chat's second update comes minutes after its first (as in real life, where most
 * chats are quiet), after the worker may have evicted it.
 */
async function scale(
  stack: ChatStack,
  emulator: TelegramEmulator,
  bots: BotIdentity[],
  measure: () => { bot: number; temporal: number; postgres: number },
  sdkMetrics: string,
): Promise<boolean> {
  const rows: Row[] = [];
  const results: Record<string, unknown>[] = [];
  let ok = true;
  let base: RunFigures | undefined;
  for (const chats of [100, SCALE]) {
    const cacheBefore = await cacheMetrics(sdkMetrics);
    const rssBefore = treeMemory(stack.proc.pid).byName.node?.rssKb ?? 0;
    progress(`scale: ${chats} chats × ${SCALE_STEPS} updates at ${RATE}/s`);
    const run = await drive(emulator, bots, chats, RATE, measure, `scale ${chats}`, SCALE_STEPS);
    const cacheAfter = await cacheMetrics(sdkMetrics);
    const rssAfter = treeMemory(stack.proc.pid).byName.node?.rssKb ?? 0;
    const cache = Object.fromEntries(Object.entries(cacheAfter).map(([k, v]) => [k, k === 'size' ? v : v - (cacheBefore[k] ?? 0)]));
    const grown = (cacheAfter.size ?? 0) - (cacheBefore.size ?? 0);
    const perCachedKb = grown > 0 ? Math.round((rssAfter - rssBefore) / grown) : null;
    if (run.replied < run.updates || run.duplicates > 0) ok = false;
    base ??= run;
    const vs = (value: number, baseValue: number) => (run === base ? '' : ` (${ratio(value, baseValue)} the 100-chat run)`);
    rows.push(
      [`${chats} chats`, `${run.replied}/${run.updates} replied, ${run.updatesPerS} updates/s, duplicates ${run.duplicates}`],
      [
        '  CPU per update',
        `${run.cpuMsPerUpdate.total} ms${vs(run.cpuMsPerUpdate.total, base.cpuMsPerUpdate.total)} — node ${run.cpuMsPerUpdate.bot}, temporal ${run.cpuMsPerUpdate.temporal}, postgres ${run.cpuMsPerUpdate.postgres}`,
      ],
      ['  reply p50 / p99', `${run.latency.p50} / ${run.latency.p99} ms${vs(run.latency.p50, base.latency.p50)}`],
      ['  later updates p50 / p99', `${run.pressLatency.p50} / ${run.pressLatency.p99} ms`],
      [
        '  worker cache',
        `${JSON.stringify(cache)}; node RSS ${Math.round(rssAfter / 1024)} MB${perCachedKb === null ? '' : `, ${perCachedKb} KB per chat newly cached`}`,
      ],
    );
    results.push({ chats, ...run, cache, nodeRssMb: Math.round(rssAfter / 1024), perCachedKb });
  }
  printBlock(`scale: cost per update with 100 and ${SCALE} chats (project alone)`, rows);
  printJsonLine('chat-scale', { rate: RATE, steps: SCALE_STEPS, results, ok });
  return ok;
}

const ratio = (project: number, floor: number) => (floor > 0 ? `${(project / floor).toFixed(2)}×` : '–');

function compare(title: string, floor: RunFigures, project: RunFigures): void {
  const row = (label: string, f: number, p: number, unit = ''): Row => [label, `${f}${unit} | ${p}${unit} | ${ratio(p, f)}`];
  printBlock(`${title} — floor | project | project ÷ floor`, [
    row('CPU per update, total', floor.cpuMsPerUpdate.total, project.cpuMsPerUpdate.total, ' ms'),
    row('  bot process', floor.cpuMsPerUpdate.bot, project.cpuMsPerUpdate.bot, ' ms'),
    row('  Temporal', floor.cpuMsPerUpdate.temporal, project.cpuMsPerUpdate.temporal, ' ms'),
    row('  PostgreSQL', floor.cpuMsPerUpdate.postgres, project.cpuMsPerUpdate.postgres, ' ms'),
    row('reply p50', floor.latency.p50, project.latency.p50, ' ms'),
    row('reply p99', floor.latency.p99, project.latency.p99, ' ms'),
    row('  first update of a chat, p50', floor.startLatency.p50, project.startLatency.p50, ' ms'),
    row('  first update of a chat, p99', floor.startLatency.p99, project.startLatency.p99, ' ms'),
    row('  later updates, p50', floor.pressLatency.p50, project.pressLatency.p50, ' ms'),
    row('  later updates, p99', floor.pressLatency.p99, project.pressLatency.p99, ' ms'),
    row('updates/s', floor.updatesPerS, project.updatesPerS),
    row('bot process RSS after the run (chats cached)', floor.botRssMb ?? 0, project.botRssMb ?? 0, ' MB'),
    ['replied / sent', `${floor.replied}/${floor.updates} | ${project.replied}/${project.updates}`],
    ['duplicates', `${floor.duplicates} | ${project.duplicates}`],
    ['failed webhook tries', `${JSON.stringify(floor.failedTries)} | ${JSON.stringify(project.failedTries)}`],
  ]);
}

export async function main(): Promise<boolean> {
  const [sdkMetricsPort] = await freePorts(1);
  const sdkMetrics = `127.0.0.1:${sdkMetricsPort}`;
  const stack = await startFloorStack(sdkMetrics);
  const held: { floor?: BenchProcess } = {};
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  try {
    await stack.ready(180_000, 60_000);
    const systems = await startSystems(stack, held);
    await warmUp(stack.emulator, systems);
    await sleep(1_000);
    loopDelay.enable();

    if (SCALE > 0) return await scale(stack, stack.emulator, systems.project.bots, systems.project.measure, sdkMetrics);

    const { results, ok } = await playRounds(stack, systems);
    loopDelay.disable();
    printBlock('the bench process (the emulator runs here)', [
      ['event loop delay p99', `${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`],
    ]);
    printJsonLine('chat-floor', { bots: BOTS, results, ok });
    return ok;
  } finally {
    await held.floor?.stop();
    await stack.stop();
  }
}

/** The project's stack with the counter bot, unpaced, its worker's cache metrics at `sdkMetrics`. */
function startFloorStack(sdkMetrics: string): Promise<ChatStack> {
  return startChatStack({
    name: 'bench-floor',
    flow: counterFlow,
    clock: epochNow,
    env: {
      // The floor paces nothing; neither does the project here (its pacing is measured by bench:send-pace).
      TELEGRAM_CHAT_BURST: '1000',
      TELEGRAM_CHAT_RATE_PER_SECOND: '1000',
      TELEGRAM_BOT_RATE_PER_SECOND: '100000',
      FLOOD_LIMIT_PER_MINUTE: '100000',
      // The worker's cache: size, hits, misses, evictions.
      TEMPORAL_SDK_METRICS_ADDRESS: sdkMetrics,
    },
  });
}

/** One side: its bots, the process that runs them, and the CPU of that process, Temporal and PostgreSQL. */
type Systems = Record<System, { bots: BotIdentity[]; pid: number; measure: () => { bot: number; temporal: number; postgres: number } }>;

/** `BOTS` bots on each side: the project's on the stack, the floor's in its own process (kept in `held` for the stop). */
async function startSystems(stack: ChatStack, held: { floor?: BenchProcess }): Promise<Systems> {
  const { emulator } = stack;
  const projectBots = [stack.bot, ...(await addBots(stack, BOTS - 1, counterFlow, 'bench_project'))];
  const floorBots = Array.from({ length: BOTS }, (_, i) => emulator.createBot({ username: `bench_floor_${i + 1}_bot` }));
  const floor = (held.floor = BenchProcess.spawnScript(
    'bench/floor/chat-bot.ts',
    {
      TEMPORAL_ADDRESS: `127.0.0.1:${stack.ports.temporal}`,
      FLOOR_PORT: '0',
      TELEGRAM_API_ROOT: stack.env.TELEGRAM_API_ROOT as string,
      FLOOR_BOT_TOKENS: floorBots.map((b) => b.token).join(','),
    },
    'floor',
  ));
  await floor.waitForLine(/floor ready/, 120_000);
  progress(`stack and floor ready; ${BOTS} bot(s) each; warming up`);
  return {
    floor: { bots: floorBots, pid: floor.pid, measure: () => systemCpu('floor', stack, floor) },
    project: { bots: projectBots, pid: stack.proc.pid, measure: () => systemCpu('project', stack, floor) },
  };
}

/** One chat per bot on each side, unmeasured; every update must be answered. */
async function warmUp(emulator: TelegramEmulator, systems: Systems): Promise<void> {
  for (const system of ['floor', 'project'] as const) {
    const warm = await drive(emulator, systems[system].bots, BOTS, 0, systems[system].measure, `warm ${system}`);
    if (warm.replied < warm.updates) throw new Error(`${system}: warm-up answered ${warm.replied}/${warm.updates}`);
  }
}

/** `ROUNDS` rounds of the paced and the unpaced scenario, each side in turn, compared per scenario. */
async function playRounds(stack: ChatStack, systems: Systems): Promise<{ results: Record<string, unknown>[]; ok: boolean }> {
  const scenarios = [
    { name: `paced: ${CHATS} chats × ${STEPS} updates at ${RATE} updates/s`, chats: CHATS, rate: RATE },
    { name: `unpaced: ${UNPACED_CHATS} chats × ${STEPS} updates`, chats: UNPACED_CHATS, rate: 0 },
  ];
  const results: Record<string, unknown>[] = [];
  let ok = true;
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    for (const scenario of scenarios) {
      const figures: Partial<Record<System, RunFigures>> = {};
      for (const system of SYSTEMS) {
        progress(`round ${round_}, ${scenario.name}: ${system}`);
        const run = await drive(
          stack.emulator,
          systems[system].bots,
          scenario.chats,
          scenario.rate,
          systems[system].measure,
          `${system} r${round_}`,
        );
        run.botRssMb = Math.round((treeMemory(systems[system].pid).byName.node?.rssKb ?? 0) / 1024);
        figures[system] = run;
        if (EXPLAIN && system === 'project') await explain(stack, run);
        if (run.replied < run.updates || run.duplicates > 0) ok = false;
        await sleep(2_000);
      }
      if (figures.floor && figures.project) compare(`round ${round_}, ${scenario.name}`, figures.floor, figures.project);
      else console.log(JSON.stringify(figures, null, 1));
      results.push({ round: round_, scenario: scenario.name, ...figures });
    }
  }
  return { results, ok };
}
