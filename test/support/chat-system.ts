import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { ensureChatUser } from '../../src/bots/chat-users';
import { publishFlow, registerBot } from '../../src/bots/registry';
import { topUp } from '../../src/credits/ledger';
import { bots } from '../../src/db/schema';
import type { FlowVersionInput } from '../../src/flow';
import { TelegramEmulator, type EmulatedUser } from '../../src/telegram-emulator';
import type { RunningEmulator, UserProfile } from '../../src/telegram-emulator/types';
import type { GenerationProvider } from '../../src/generation/provider';
import { startGenerationSystem, type GenerationSystem } from './generation-system';
import type { TestTemporal } from './harness';

export const webhookSecret = 'test-webhook-secret';

export interface ChatSystem extends GenerationSystem {
  emulator: TelegramEmulator;
  botId: string;
  user(profile?: UserProfile): EmulatedUser;
  /** Texts of the bot's messages in a chat, in order, as the user sees them now. */
  botTexts(chatId: number): string[];
  /** Waits until the bot's messages in the chat satisfy `done`; returns them. */
  until(chatId: number, done: (texts: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  publish(flow: FlowVersionInput | unknown): Promise<{ versionId: string; version: number }>;
  /** Gives an emulated user credits, making their user first as their first message would; returns the user id. */
  credit(user: EmulatedUser, amount: number): Promise<string>;
}

/**
 * The whole chat path with real parts: the Bot API emulator plays Telegram, telegraf talks to it
 * over HTTP, the ingress (long polling or webhook) signals the chat workflows on the shared
 * Temporal server, and a worker runs them against a fresh database.
 */
export async function startChatSystem(options: {
  flow: unknown;
  mode?: 'polling' | 'webhook';
  env?: Record<string, string>;
  worker?: boolean;
  logLines?: string[];
  provider?: GenerationProvider;
  temporal?: TestTemporal;
}): Promise<ChatSystem> {
  const mode = options.mode ?? 'polling';
  const emulator = new TelegramEmulator({ webhookRetryDelayMs: 100 });
  const running: RunningEmulator = await emulator.start({ port: 0 });
  const base = await startGenerationSystem({
    worker: options.worker,
    logLines: options.logLines,
    provider: options.provider,
    temporal: options.temporal,
    env: { TELEGRAM_API_ROOT: running.apiRoot, HTTP_NODE_ALLOWLIST: '127.0.0.1,localhost', ...options.env },
  });
  // A bot id of its own: chat workflow ids contain it, and the Temporal server is shared by all tests.
  const botNumber = crypto.randomInt(100_000_000, 999_999_999);
  const identity = emulator.createBot({
    username: 'test_bot',
    token: `${botNumber}:${crypto.randomBytes(27).toString('base64url').slice(0, 35)}`,
  });
  const publish = (flow: unknown) => publishFlow(base.db, identity.id.toString(), 'main', flow);
  let bot: { id: string };
  try {
    bot = await registerBot(base.db, base.cipher, running.apiRoot, identity.token, {
      mode,
      webhookSecret: mode === 'webhook' ? webhookSecret : undefined,
    });
    await publish(options.flow);
    await base.ingress.start();
  } catch (err) {
    // A flow the test got wrong must fail the test, not leave a worker running that keeps jest alive.
    await base.stop();
    await running.close();
    throw err;
  }

  const botTexts = (chatId: number) =>
    emulator
      .messages(chatId, identity.id)
      .filter((m) => m.from?.id === identity.id)
      .map((m) => ('text' in m ? m.text : 'caption' in m ? (m.caption ?? '') : 'invoice' in m ? `[invoice: ${m.invoice.title}]` : ''));

  return {
    ...base,
    emulator,
    botId: bot.id,
    user: (profile = {}) => emulator.user(identity.id, profile),
    botTexts,
    async until(chatId, done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const texts = botTexts(chatId);
        if (done(texts)) return texts;
        if (Date.now() > deadline) throw new Error(`chat ${chatId} did not reach the expected state; bot said: ${JSON.stringify(texts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    publish,
    async credit(user, amount) {
      const userId = await ensureChatUser(base.db, bot.id, {
        id: user.id,
        firstName: user.profile.first_name,
        username: user.profile.username ?? null,
      });
      await topUp(base.db, userId, amount, `test-credit-${crypto.randomUUID()}`);
      return userId;
    },
    async stop() {
      await base.db.update(bots).set({ disabledAt: new Date() }).where(eq(bots.id, bot.id));
      await base.stop();
      await running.close();
    },
  };
}
