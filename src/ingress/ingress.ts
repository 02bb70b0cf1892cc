import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, isNull } from 'drizzle-orm';
import { Telegram } from 'telegraf';
import { publishFlow, registerBot } from '../bots/registry';
import type { TokenCipher } from '../bots/token-cipher';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import type { Logger } from '../logger';
import type { DeliveryTarget } from './deliver';
import { PollingLoop } from './polling';
import { webhookPath } from './webhook';

const exampleFlow = path.resolve(__dirname, '..', '..', 'examples', 'flows', 'loyalty.json');

/**
 * Receives updates for every enabled bot: a polling loop per polling-mode bot; for webhook-mode
 * bots it registers the webhook (the route itself is served by the API's HTTP server).
 */
export class Ingress {
  private readonly loops = new Map<string, PollingLoop>();

  constructor(
    private readonly deps: { db: Database; cipher: TokenCipher; config: Config; target: DeliveryTarget; logger: Logger },
  ) {}

  /** Registers TELEGRAM_BOT_TOKEN's bot and publishes its flow (TELEGRAM_BOT_FLOW, or the loyalty example). */
  async bootstrap(): Promise<void> {
    const { config, db, cipher, logger } = this.deps;
    if (!config.TELEGRAM_BOT_TOKEN) return;
    const secret = config.TELEGRAM_MODE === 'webhook' ? (config.TELEGRAM_WEBHOOK_SECRET ?? crypto.randomBytes(24).toString('base64url')) : undefined;
    const bot = await registerBot(db, cipher, config.TELEGRAM_API_ROOT, config.TELEGRAM_BOT_TOKEN, { mode: config.TELEGRAM_MODE, webhookSecret: secret });
    const file = config.TELEGRAM_BOT_FLOW ? path.resolve(config.TELEGRAM_BOT_FLOW) : exampleFlow;
    const published = await publishFlow(db, bot.id, 'main', JSON.parse(fs.readFileSync(file, 'utf8')));
    logger.info({ botId: bot.id, username: bot.username, flow: file, version: published.version, changed: published.changed }, 'bootstrap bot ready');
  }

  async start(): Promise<void> {
    const enabled = await this.deps.db.select().from(bots).where(isNull(bots.disabledAt));
    for (const bot of enabled) await this.startBot(bot.id, bot.mode, bot.tokenCiphertext, bot.webhookSecret);
  }

  /** (Re)starts receiving for one bot as its row now says: after registration or a mode switch. */
  async refresh(botId: string): Promise<void> {
    await this.stopBot(botId);
    const [bot] = await this.deps.db.select().from(bots).where(eq(bots.id, botId));
    if (bot && !bot.disabledAt) await this.startBot(bot.id, bot.mode, bot.tokenCiphertext, bot.webhookSecret);
  }

  /** Stops polling for a bot (a disabled bot, or one switched to webhook mode). */
  async stopBot(botId: string): Promise<void> {
    await this.loops.get(botId)?.stop();
    this.loops.delete(botId);
  }

  private async startBot(botId: string, mode: 'polling' | 'webhook', tokenCiphertext: string, secret: string | null): Promise<void> {
    const { config, cipher, target, logger } = this.deps;
    const telegram = new Telegram(cipher.decrypt(tokenCiphertext), { apiRoot: config.TELEGRAM_API_ROOT });
    if (mode === 'webhook') {
      if (!config.PUBLIC_URL || !secret) {
        logger.error({ botId }, 'webhook mode needs PUBLIC_URL and a webhook secret; the bot receives nothing');
        return;
      }
      const url = new URL(webhookPath(botId), config.PUBLIC_URL).toString();
      await telegram.setWebhook(url, { secret_token: secret, allowed_updates: ['message', 'callback_query'] });
      logger.info({ botId, url }, 'webhook registered');
      return;
    }
    const loop = new PollingLoop(botId, telegram, target, logger.child({ component: 'polling', botId }));
    this.loops.set(botId, loop);
    loop.start();
    logger.info({ botId }, 'polling for updates');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    this.loops.clear();
  }
}
