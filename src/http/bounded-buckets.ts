/**
 * Token buckets per key (a token, a client address) in bounded memory. A bucket that has refilled
 * is the same as no bucket, so it is dropped when met; and past `maxKeys` the least recently used
 * bucket goes, so a flood of distinct keys costs at most `maxKeys` entries. (Evicting a bucket
 * forgives its debt: the bound is chosen far above the number of honest clients.)
 */
export class BoundedBuckets {
  // A Map iterates in insertion order; re-inserting on use makes the first entry the least recent.
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    perMinute: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until `key` has a token again; 0 when it has one now. Takes nothing. */
  retryAfter(key: string): number {
    const tokens = this.current(key);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  /** Takes a token for `key`: 0 when there was one, else the seconds until there is. */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait > 0) return wait;
    const t = this.now();
    const tokens = this.current(key) - 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: t });
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    this.sweep(t);
    return 0;
  }

  private current(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.capacity;
    const tokens = Math.min(this.capacity, bucket.tokens + (this.now() - bucket.at) * this.perMs);
    if (tokens >= this.capacity) this.buckets.delete(key);
    return tokens;
  }

  /** Drops a few of the oldest buckets once they have refilled, so idle keys do not linger. */
  private sweep(t: number): void {
    let checked = 0;
    for (const [key, bucket] of this.buckets) {
      if (++checked > 2) break;
      if (bucket.tokens + (t - bucket.at) * this.perMs >= this.capacity) this.buckets.delete(key);
    }
  }
}
