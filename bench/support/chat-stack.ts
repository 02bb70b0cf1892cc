/**
 * One bot's chats end to end: the Telegram Bot API emulator in the bench's process, and the `start`
 * entrypoint (Temporal dev server + PostgreSQL + API/ingress + one worker) on a fresh DATA_DIR and
 * free ports, bootstrapping that bot in webhook mode with a given flow. Always `stop()` it, in a
 * `finally`: that stops the stack (SIGTERM, then waits for its exit), closes the emulator and
 * deletes the DATA_DIR.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TelegramEmulator, type BotIdentity, type RunningEmulator } from '../../src/telegram-emulator';
import { makeDataDir, removeDataDir } from './data-dir';
import { BenchProcess, onInterrupt, whileRunning } from './entrypoint';
import { NotableLines } from './notable-lines';
import { stackPorts, type StackPorts } from './ports';
import { progress, releaseDataDir } from './report';
import { ApiClient, randomApiToken, sleep, stackEnv, waitForReady } from './stack';

export interface ChatStackOptions {
  /** DATA_DIR prefix under the temp dir. */
  name: string;
  /** The flow the bot is bootstrapped with (TELEGRAM_BOT_FLOW). */
  flow: object;
  /** The emulator's clock: every timestamp it records. */
  clock: () => number;
  /** More settings for the stack (BENCH_STACK_* still override them). */
  env?: Record<string, string>;
}

export interface ChatStack {
  emulator: TelegramEmulator;
  bot: BotIdentity;
  proc: BenchProcess;
  api: ApiClient;
  dataDir: string;
  ports: StackPorts;
  env: Record<string, string>;
  /** Warning and error lines of the stack's output. */
  notable: NotableLines;
  /** Waits for /readyz and for the bot's webhook; fails when the stack exits first. */
  ready(readyTimeoutMs: number, setupTimeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChatStack(options: ChatStackOptions): Promise<ChatStack> {
  const ports = await stackPorts();
  const dataDir = makeDataDir(options.name);
  onInterrupt(() => removeDataDir(dataDir));
  const apiToken = randomApiToken();
  const emulator = new TelegramEmulator({ clock: options.clock });
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
  const env = stackEnv(dataDir, ports, apiToken, {
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '5000',
    TELEGRAM_BOT_TOKEN: bot.token,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: crypto.randomBytes(24).toString('base64url'),
    PUBLIC_URL: `http://127.0.0.1:${ports.api}`,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_BOT_FLOW: flowFile,
    ...options.env,
  });
  progress(`DATA_DIR ${dataDir}; emulator at ${telegram.apiRoot}`);
  const proc = BenchProcess.spawn('start', env);
  const notable = new NotableLines();
  notable.attach(proc);
  const apiUrl = `http://127.0.0.1:${ports.api}`;

  const ready = async (readyTimeoutMs: number, setupTimeoutMs: number) => {
    const readyAt = await waitForReady(apiUrl, proc, readyTimeoutMs);
    progress(`stack ready after ${((readyAt - proc.spawnedAt) / 1000).toFixed(1)} s`);
    // The bootstrapped bot's webhook is set right after the API listens.
    await whileRunning(
      proc,
      emulator.waitFor({ bot: bot.id, method: 'setWebhook' }, setupTimeoutMs),
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

  return { emulator, bot, proc, api: new ApiClient(apiUrl, apiToken), dataDir, ports, env, notable, ready, stop };
}
