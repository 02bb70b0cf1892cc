/**
 * Chats end to end: the Telegram Bot API emulator in the bench's process, and the `start`
 * entrypoint (Temporal dev server + PostgreSQL + API/ingress + one worker) on a fresh DATA_DIR and
 * free ports, bootstrapping one bot (webhook mode unless told otherwise) with a given flow; more
 * bots are added through the API (`addBots`). Always `stop()` it, in a `finally`: that stops the
 * stack (SIGTERM, then waits for its exit), closes the emulator and deletes the DATA_DIR.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TelegramEmulator, type BotIdentity, type EmulatorOptions, type RunningEmulator } from '../../src/telegram-emulator';
import { makeDataDir, removeDataDir } from './data-dir';
import { BenchProcess, onInterrupt, whileRunning } from './entrypoint';
import { NotableLines } from './notable-lines';
import { stackPorts, type StackPorts } from './ports';
import { progress, releaseDataDir } from './report';
import { ApiClient, mapConcurrent, randomApiToken, sleep, stackEnv, waitForReady } from './stack';

export interface ChatStackOptions {
  /** DATA_DIR prefix under the temp dir. */
  name: string;
  /** The flow the bot is bootstrapped with (TELEGRAM_BOT_FLOW). */
  flow: object;
  /** The emulator's clock: every timestamp it records. */
  clock: () => number;
  /** More settings for the stack (BENCH_STACK_* still override them). */
  env?: Record<string, string>;
  /** How the bootstrapped bot receives updates; webhook by default. */
  mode?: 'webhook' | 'polling';
  /** The emulator's webhook retries (its defaults otherwise). */
  webhook?: Pick<EmulatorOptions, 'webhookRetryDelayMs' | 'webhookMaxAttempts'>;
  /** What the bench runs, for the first progress line. */
  describe?: string;
}

export interface ChatStack {
  emulator: TelegramEmulator;
  bot: BotIdentity;
  proc: BenchProcess;
  api: ApiClient;
  apiUrl: string;
  apiToken: string;
  dataDir: string;
  ports: StackPorts;
  env: Record<string, string>;
  /** Warning and error lines of the stack's output. */
  notable: NotableLines;
  /** Waits for /readyz and for the bot's bootstrap (its webhook set, or removed for polling); fails when the stack exits first. */
  ready(readyTimeoutMs: number, setupTimeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChatStack(options: ChatStackOptions): Promise<ChatStack> {
  const ports = await stackPorts();
  const dataDir = makeDataDir(options.name);
  onInterrupt(() => removeDataDir(dataDir));
  const apiToken = randomApiToken();
  const emulator = new TelegramEmulator({ clock: options.clock, ...options.webhook });
  let telegram: RunningEmulator | undefined;
  try {
    telegram = await emulator.start({ port: 0 });
  } catch (err) {
    removeDataDir(dataDir);
    throw err;
  }
  const bot = emulator.createBot({ username: `${options.name.replace(/\W/g, '_')}_bot` });
  const flowFile = path.join(dataDir, 'bench-flow.json');
  fs.writeFileSync(flowFile, `${JSON.stringify(options.flow, null, 2)}\n`);
  const mode = options.mode ?? 'webhook';
  const env = stackEnv(dataDir, ports, apiToken, {
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '5000',
    TELEGRAM_BOT_TOKEN: bot.token,
    TELEGRAM_MODE: mode,
    ...(mode === 'webhook'
      ? { TELEGRAM_WEBHOOK_SECRET: crypto.randomBytes(24).toString('base64url'), PUBLIC_URL: `http://127.0.0.1:${ports.api}` }
      : {}),
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_BOT_FLOW: flowFile,
    ...options.env,
  });
  progress(`DATA_DIR ${dataDir}; ${options.describe ? `${options.describe}; ` : ''}emulator at ${telegram.apiRoot}`);
  const proc = BenchProcess.spawn('start', env);
  const notable = new NotableLines();
  notable.attach(proc);
  const apiUrl = `http://127.0.0.1:${ports.api}`;

  const ready = async (readyTimeoutMs: number, setupTimeoutMs: number) => {
    const readyAt = await waitForReady(apiUrl, proc, readyTimeoutMs);
    progress(`stack ready after ${((readyAt - proc.spawnedAt) / 1000).toFixed(1)} s`);
    // The bootstrapped bot's webhook is set right after the API listens. A polling bot starts
    // polling once its flow is published: deleteWebhook comes right before the first getUpdates
    // (which the emulator records only when that long poll returns).
    await whileRunning(
      proc,
      emulator.waitFor({ bot: bot.id, method: mode === 'webhook' ? 'setWebhook' : 'deleteWebhook' }, setupTimeoutMs),
      'bootstrap of the bot',
      setupTimeoutMs + 1_000,
    );
  };

  const stop = async () => {
    const report = await proc.stop();
    progress(
      `stack stopped in ${(report.stopMs / 1000).toFixed(1)} s (exit ${report.signal ?? report.exitCode}); leftovers killed: ${report.leftovers.length}`,
    );
    await Promise.race([telegram?.close(), sleep(5_000)]).catch(() => undefined);
    releaseDataDir(dataDir);
  };

  return { emulator, bot, proc, api: new ApiClient(apiUrl, apiToken), apiUrl, apiToken, dataDir, ports, env, notable, ready, stop };
}

/**
 * `count` more bots, registered through the API in webhook mode with `flow` published: each has
 * its webhook set when this returns. Their usernames are `<prefix>_<n>_bot`, n from 2 (the
 * bootstrapped bot is the first).
 */
export async function addBots(stack: ChatStack, count: number, flow: object, prefix: string): Promise<BotIdentity[]> {
  const bots = Array.from({ length: count }, (_, i) => stack.emulator.createBot({ username: `${prefix}_${i + 2}_bot` }));
  await mapConcurrent(bots, 4, async (bot) => {
    const registered = await stack.api.request('POST', '/api/bots', { token: bot.token, mode: 'webhook' });
    if (registered.status !== 201)
      throw new Error(`POST /api/bots for bot ${bot.id}: ${registered.status} ${JSON.stringify(registered.body)}`);
    const published = await stack.api.request('POST', `/api/bots/${bot.id}/flows/main/publish`, flow);
    if (published.status !== 201 && published.status !== 200)
      throw new Error(`publish for bot ${bot.id}: ${published.status} ${JSON.stringify(published.body)}`);
  });
  for (const bot of bots) {
    const set = stack.emulator.calls({ bot: bot.id, method: 'setWebhook' }).filter((c) => c.response.ok);
    if (set.length === 0) throw new Error(`bot ${bot.id} has no webhook after registration`);
  }
  return bots;
}
