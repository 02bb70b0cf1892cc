import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { bots, flows } from '../db/schema';

/** Bots looked up lately: at most this many, each for this long. */
const CACHE_ENTRIES = 1_000;
const CACHE_MS = 5_000;

/** What the webhook needs of a bot for each update. */
export interface WebhookBot {
  /** The stored hash of its webhook secret (null: none). */
  secretHash: string | null;
  /** Its main flow's active version when the update arrived (null: nothing published). */
  activeVersionId: string | null;
}

/**
 * The webhook's view of enabled bots, cached briefly so that a burst of updates costs one query
 * and a chat workflow need not look up the flow version it runs (the update carries it). Every
 * API replica forgets a bot as soon as PostgreSQL tells it the bot or its main flow's active
 * version changed (BotChanges, wired in src/app/services.ts), and everything when that news may
 * have been missed; CACHE_MS only bounds how stale an answer can be should both fail.
 */
export class WebhookBotCache {
  private readonly cache = new Map<string, { bot: WebhookBot | null; at: number }>();
  /** Counts forgets: a lookup that began before one does not cache what it read. */
  private forgets = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bot, or null when there is no such enabled bot. */
  async lookup(botId: string): Promise<WebhookBot | null> {
    const hit = this.cache.get(botId);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.bot;
    const forgetsBefore = this.forgets;
    const [row] = await this.db
      .select({ secretHash: bots.webhookSecretHash, activeVersionId: flows.activeVersionId })
      .from(bots)
      .leftJoin(flows, and(eq(flows.botId, bots.id), eq(flows.id, bots.mainFlowId)))
      .where(and(eq(bots.id, botId), isNull(bots.disabledAt)));
    const bot = row ? { secretHash: row.secretHash, activeVersionId: row.activeVersionId ?? null } : null;
    if (forgetsBefore !== this.forgets) return bot;
    this.cache.delete(botId);
    this.cache.set(botId, { bot, at: this.now() });
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return bot;
  }

  /** Forgets one bot, or (null) all. */
  forget(botId: string | null): void {
    this.forgets += 1;
    if (botId === null) this.cache.clear();
    else this.cache.delete(botId);
  }
}
