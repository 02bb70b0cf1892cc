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
import { LEASE_MS, PollingLeases, RENEW_MS } from './polling-lease';
import { PollingLoop, type PollingOffsets } from './polling';
import { answerPreCheckout } from './pre-checkout';
import { webhookPath } from './webhook';

type Bot = typeof bots.$inferSelect;

/**
 * Receives updates for every enabled bot: for webhook-mode bots it registers the webhook (the
 * route itself is served by the API's HTTP server); a polling-mode bot is polled by exactly one
 * API replica at a time, the holder of its lease (see PollingLeases), which this ingress renews
 * every RENEW_MS – and with it learns which bots to poll, so a change of a bot (disabled, a new
 * token, another mode) reaches the polling replica even when its notification was missed. A bot
 * the simulator serves gets one more polling loop, on the simulator's Telegram, in the process
 * that runs the simulator.
 */
export class Ingress {
  /** Bots this replica polls (it holds their leases), with the row version each loop started from. */
  private readonly polled = new Map<string, { loop: PollingLoop; version: string }>();
  private readonly simulatorLoops = new Map<string, PollingLoop>();
  private readonly leases: PollingLeases;
  private renewing: NodeJS.Timeout | undefined;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  /** When the last successful claim started: the leases are surely ours until then + LEASE_MS. */
  private renewedAt = -Infinity;
  private stopped = false;

  constructor(
    private readonly deps: {
      db: Database;
      cipher: TokenCipher;
      config: Config;
      target: DeliveryTarget;
      logger: Logger;
      simulator?: Simulator;
    },
  ) {
    this.leases = new PollingLeases(deps.db);
  }

  /** Whether this process runs the chat simulator (so bots may be switched to it). */
  get hasSimulator(): boolean {
    return this.deps.simulator !== undefined;
  }

  /** This replica's name in polling_leases. */
  get holder(): string {
    return this.leases.holder;
  }

  async start(): Promise<void> {
    const enabled = await this.deps.db.select().from(bots).where(isNull(bots.disabledAt));
    for (const bot of enabled) await this.prepareBot(bot);
    await this.claim();
    this.renewing = setInterval(() => void this.renew(), RENEW_MS);
    this.deps.logger.info({ holder: this.holder }, 'telegram ingress started');
  }

  /**
   * (Re)starts receiving for one bot as its row now says, after this process changed it
   * (registration, a mode switch, disabling): registers or removes its webhook, then claims
   * polling leases. Other replicas hear of the change through `changed`.
   */
  async refresh(botId: string): Promise<void> {
    await this.stopSimulatorLoop(botId);
    const [bot] = await this.deps.db.select().from(bots).where(eq(bots.id, botId));
    if (bot && !bot.disabledAt) await this.prepareBot(bot);
    await this.claim();
  }

  /** A bot changed somewhere (null: any may have): polling follows at once rather than at the next renewal. */
  async changed(_botId: string | null): Promise<void> {
    // Before start() the bots are read anyway; after stop() nothing is polled.
    if (this.renewing && !this.stopped) await this.claim();
  }

  /**
   * Claims and renews leases and brings the polling loops in line: a loop for every bot held,
   * started afresh when its row changed; none for a bot no longer held. Serialised: a claim asked
   * for while one runs runs once more after it.
   */
  claim(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return this.claiming;
    }
    this.claiming = (async () => {
      do {
        this.claimAgain = false;
        await this.claimOnce();
      } while (this.claimAgain && !this.stopped);
    })().finally(() => (this.claiming = undefined));
    return this.claiming;
  }

  private async claimOnce(): Promise<void> {
    if (this.stopped) return;
    const { logger } = this.deps;
    const startedAt = this.now();
    let held: Map<string, string>;
    try {
      held = await this.leases.claim();
    } catch (err) {
      logger.warn({ err }, 'could not renew the polling leases; retrying');
      return;
    }
    this.renewedAt = startedAt;
    // An answer that took so long may be about leases already running out: the next claim decides.
    const late = this.now() - startedAt > LEASE_MS - RENEW_MS;
    for (const [botId, polled] of this.polled) {
      if (held.get(botId) === polled.version && polled.loop.running) continue;
      this.polled.delete(botId);
      await polled.loop.stop();
      if (!held.has(botId)) logger.info({ botId }, 'stopped polling (the bot is no longer polled here)');
    }
    for (const [botId, version] of held) {
      if (late || this.stopped || this.polled.has(botId)) continue;
      try {
        await this.startPolling(botId, version);
      } catch (err) {
        // The lease stays ours; the next renewal tries again.
        logger.error({ err, botId }, 'could not start polling');
      }
    }
  }

  private async startPolling(botId: string, version: string): Promise<void> {
    const [bot] = await this.deps.db.select().from(bots).where(eq(bots.id, botId));
    // Changed since the claim read it: the next claim decides.
    if (!bot || bot.disabledAt || bot.mode !== 'polling') return;
    const telegram = new Telegram(this.tokenOf(bot), { apiRoot: this.deps.config.TELEGRAM_API_ROOT });
    const offsets = {
      initial: () => this.leases.offset(botId),
      save: (next: number) => this.leases.saveOffset(botId, next),
    };
    this.polled.set(botId, { loop: this.poll(botId, telegram, 'polling', offsets), version });
  }

  /**
   * Every RENEW_MS: renews the leases; and when renewing failed for so long that a lease may have
   * run out, stops polling before another replica may start (by this process's clock, which
   * started counting before PostgreSQL did).
   */
  private async renew(): Promise<void> {
    if (this.stopped) return;
    if (this.polled.size > 0 && this.now() - this.renewedAt > LEASE_MS - RENEW_MS) {
      this.deps.logger.warn(
        { bots: [...this.polled.keys()] },
        'the polling leases could not be renewed in time; polling stops until they are',
      );
      const loops = [...this.polled.values()].map((polled) => polled.loop);
      this.polled.clear();
      await Promise.all(loops.map((loop) => loop.stop()));
    }
    if (!this.claiming) await this.claim();
  }

  /** A clock that only goes forward, whatever happens to the wall clock. */
  private now(): number {
    return performance.now();
  }

  private tokenOf(bot: Bot): string {
    return this.deps.cipher.decrypt(bot.tokenCiphertext, { botId: bot.id, purpose: 'token' });
  }

  /** What receiving needs besides a polling lease: the webhook set or removed at Telegram, the simulator's loop. */
  private async prepareBot(bot: Bot): Promise<void> {
    const { config, logger, simulator } = this.deps;
    const token = this.tokenOf(bot);
    if (bot.simulator !== 'only') {
      const telegram = new Telegram(token, { apiRoot: config.TELEGRAM_API_ROOT });
      if (bot.mode === 'webhook') await this.registerWebhook(bot, telegram);
      // A webhook left over from webhook mode would make getUpdates fail with 409. Removed here,
      // where the mode is switched, not by each new lease holder: one could remove a webhook set
      // just after it read the bot as polling.
      else await telegram.deleteWebhook().catch((err: unknown) => logger.warn({ err, botId: bot.id }, 'deleteWebhook failed'));
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
      const telegram = new Telegram(token, { apiRoot: simulator.apiRoot });
      await telegram.deleteWebhook().catch((err: unknown) => logger.warn({ err, botId: bot.id }, 'deleteWebhook failed'));
      this.simulatorLoops.set(bot.id, this.poll(bot.id, telegram, 'simulator'));
    }
  }

  private async stopSimulatorLoop(botId: string): Promise<void> {
    const loop = this.simulatorLoops.get(botId);
    this.simulatorLoops.delete(botId);
    await loop?.stop();
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

  private poll(botId: string, telegram: Telegram, source: 'polling' | 'simulator', offsets?: PollingOffsets): PollingLoop {
    const { target, logger, db } = this.deps;
    const child = logger.child({ component: source, botId });
    const preCheckout = (query: Parameters<typeof answerPreCheckout>[3], receivedAt: number) =>
      answerPreCheckout({ db, logger: child }, telegram, botId, query, receivedAt);
    const loop = new PollingLoop(botId, telegram, target, child, offsets, preCheckout);
    loop.start();
    logger.info({ botId, holder: this.holder }, source === 'simulator' ? 'polling the chat simulator for updates' : 'polling for updates');
    return loop;
  }

  /** Stops every loop, then gives the leases back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewing);
    await this.claiming;
    const loops = [...[...this.polled.values()].map((polled) => polled.loop), ...this.simulatorLoops.values()];
    this.polled.clear();
    this.simulatorLoops.clear();
    await Promise.all(loops.map((loop) => loop.stop()));
    await this.leases
      .releaseAll()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'could not give the polling leases back; they run out'));
  }
}
