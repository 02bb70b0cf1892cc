import { and, eq, isNull, sql } from 'drizzle-orm';
import { Telegram } from 'telegraf';
import type { TokenCipher } from '../bots/token-cipher';
import { newWebhookSecret, webhookSecretColumns } from '../bots/webhook-secret';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import type { Logger } from '../logger';
import type { Simulator } from '../simulator/simulator';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { subscribedUpdates } from '../telegram/inbound';
import { PollingLoop } from './polling';
import { webhookPath } from './webhook';

type Bot = typeof bots.$inferSelect;

/**
 * Receives updates for every enabled bot: a polling loop per polling-mode bot; for webhook-mode
 * bots it registers the webhook (the route itself is served by the API's HTTP server). A bot the
 * simulator serves gets one more polling loop, on the simulator's Telegram.
 */
export class Ingress {
  private readonly loops = new Map<string, PollingLoop[]>();

  constructor(
    private readonly deps: {
      db: Database;
      cipher: TokenCipher;
      config: Config;
      target: DeliveryTarget;
      logger: Logger;
      simulator?: Simulator;
    },
  ) {}

  /** Whether this process runs the chat simulator (so bots may be switched to it). */
  get hasSimulator(): boolean {
    return this.deps.simulator !== undefined;
  }

  async start(): Promise<void> {
    const enabled = await this.deps.db.select().from(bots).where(isNull(bots.disabledAt));
    for (const bot of enabled) await this.startBot(bot);
  }

  /** (Re)starts receiving for one bot as its row now says: after registration or a mode switch. */
  async refresh(botId: string): Promise<void> {
    await this.stopBot(botId);
    const [bot] = await this.deps.db.select().from(bots).where(eq(bots.id, botId));
    if (bot && !bot.disabledAt) await this.startBot(bot);
  }

  /** Stops polling for a bot (a disabled bot, or one switched to webhook mode). */
  async stopBot(botId: string): Promise<void> {
    await Promise.all((this.loops.get(botId) ?? []).map((loop) => loop.stop()));
    this.loops.delete(botId);
  }

  private async startBot(bot: Bot): Promise<void> {
    const { config, cipher, logger, simulator } = this.deps;
    const token = cipher.decrypt(bot.tokenCiphertext, { botId: bot.id, purpose: 'token' });
    const loops: PollingLoop[] = [];
    this.loops.set(bot.id, loops);
    if (bot.simulator !== 'only') {
      const telegram = new Telegram(token, { apiRoot: config.TELEGRAM_API_ROOT });
      if (bot.mode === 'webhook') await this.registerWebhook(bot, telegram);
      else loops.push(this.poll(bot.id, telegram, 'polling'));
    }
    if (bot.simulator !== 'off') {
      if (!simulator) {
        logger.warn({ botId: bot.id }, 'the bot is set to the chat simulator, but this process runs none (see SIMULATOR)');
        return;
      }
      try {
        simulator.admit(token, bot.username);
      } catch (err) {
        // The simulator knows this bot id with an earlier token (re-registered while it ran).
        logger.error({ botId: bot.id, err }, 'the chat simulator cannot serve this bot until the next start');
        return;
      }
      loops.push(this.poll(bot.id, new Telegram(token, { apiRoot: simulator.apiRoot }), 'simulator'));
    }
  }

  private async registerWebhook(bot: Bot, telegram: Telegram): Promise<void> {
    const { config, logger } = this.deps;
    const secret = await this.webhookSecretOf(bot);
    if (!config.PUBLIC_URL || !secret) {
      logger.error({ botId: bot.id }, 'webhook mode needs PUBLIC_URL and a webhook secret; the bot receives nothing');
      return;
    }
    const url = new URL(webhookPath(bot.id), config.PUBLIC_URL).toString();
    await telegram.setWebhook(url, { secret_token: secret, allowed_updates: subscribedUpdates });
    logger.info({ botId: bot.id, url }, 'webhook registered');
  }

  /**
   * The secret to give setWebhook. A bot migrated from plain-text storage has only the hash of
   * its old one, which nothing can turn back: it gets a new secret, once (the conditional update
   * lets one process win when several start together; the others take the winner's).
   */
  private async webhookSecretOf(bot: Bot): Promise<string | undefined> {
    const { db, cipher, logger } = this.deps;
    const context = { botId: bot.id, purpose: 'webhook-secret' } as const;
    if (bot.webhookSecretCiphertext) return cipher.decrypt(bot.webhookSecretCiphertext, context);
    if (!bot.webhookSecretHash) return undefined;
    const secret = newWebhookSecret();
    const [rotated] = await db
      .update(bots)
      .set({ ...webhookSecretColumns(cipher, bot.id, secret), updatedAt: sql`now()` })
      .where(and(eq(bots.id, bot.id), isNull(bots.webhookSecretCiphertext)))
      .returning({ id: bots.id });
    if (rotated) {
      logger.info({ botId: bot.id }, 'webhook secret replaced (it was stored in plain text before)');
      return secret;
    }
    const [current] = await db.select({ ciphertext: bots.webhookSecretCiphertext }).from(bots).where(eq(bots.id, bot.id));
    return current?.ciphertext ? cipher.decrypt(current.ciphertext, context) : undefined;
  }

  private poll(botId: string, telegram: Telegram, source: 'polling' | 'simulator'): PollingLoop {
    const { target, logger } = this.deps;
    const loop = new PollingLoop(botId, telegram, target, logger.child({ component: source, botId }));
    loop.start();
    logger.info({ botId }, source === 'simulator' ? 'polling the chat simulator for updates' : 'polling for updates');
    return loop;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].flat().map((loop) => loop.stop()));
    this.loops.clear();
  }
}
