/**
 * Keeps sends within Telegram's limits without slowing ordinary replies: a token bucket per bot
 * (about 30 messages/s) and one per chat (a short burst, then about 1/s; groups about 20/min).
 * A reply to a user who is not flooding takes a token that is already there, so it waits for
 * nothing. The limits are per worker process; Telegram's 429 + retry_after (handled by the
 * activity's retry) is the backstop when several workers share a bot.
 */
export interface RateLimits {
  botPerSecond: number;
  chatBurst: number;
  chatPerSecond: number;
  groupPerMinute: number;
}

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly capacity: number, private readonly perMs: number, now: number) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes a token, possibly borrowed from the future; returns how long to wait for it (ms). */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.perMs);
  }
}

export class SendRateLimiter {
  private readonly bots = new Map<string, TokenBucket>();
  private readonly chats = new Map<string, TokenBucket>();

  constructor(private readonly limits: RateLimits, private readonly now: () => number = Date.now) {}

  /** Waits until a message from `botId` to `chatId` may be sent. */
  async acquire(botId: string, chatId: string, isGroup: boolean): Promise<void> {
    const now = this.now();
    const bot = this.bucket(this.bots, botId, () => new TokenBucket(this.limits.botPerSecond, this.limits.botPerSecond / 1000, now));
    const chat = this.bucket(this.chats, `${botId}:${chatId}`, () =>
      isGroup
        ? new TokenBucket(this.limits.chatBurst, this.limits.groupPerMinute / 60_000, now)
        : new TokenBucket(this.limits.chatBurst, this.limits.chatPerSecond / 1000, now),
    );
    const wait = Math.max(bot.take(now), chat.take(now));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private bucket(map: Map<string, TokenBucket>, key: string, create: () => TokenBucket): TokenBucket {
    let bucket = map.get(key);
    if (!bucket) {
      // Bounded memory: forget the oldest chats; a forgotten chat starts again with a full burst.
      if (map.size > 50_000) map.delete(map.keys().next().value as string);
      bucket = create();
      map.set(key, bucket);
    }
    return bucket;
  }
}
