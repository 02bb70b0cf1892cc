/**
 * When could a rate limiter have let a send through? Replays a token bucket (src/telegram/
 * rate-limiter.ts: full at its first use, refilled continuously, capped at its capacity) over the
 * moments sends were observed, to tell apart a reply that was slow from one that was held back on
 * purpose by Telegram's pacing.
 *
 * The project's limiter takes a token when a send is requested and, when none is left, sleeps
 * until the bucket would have been back at zero, i.e. until the moment one whole token was
 * there before the take. Whatever the request time, a held send therefore goes out exactly when
 * the token became available, and the bucket's level afterwards depends only on the send times.
 * Replaying the bucket with the observed send times (off by the HTTP hop, a millisecond or so,
 * which is ~0.001 token at 1 token/s) gives, for every send, the earliest moment the limiter could
 * have allowed it.
 */

/**
 * For sends at `times` (ms, ascending) through one bucket of `capacity` tokens refilled at
 * `perSecond`, the moment each send's token was available (-Infinity when the bucket was never
 * empty for it: the first `capacity` sends of a fresh bucket, or after a pause).
 */
export function tokenAvailableAt(times: readonly number[], capacity: number, perSecond: number): number[] {
  const perMs = perSecond / 1000;
  const result: number[] = [];
  let tokens = capacity;
  let updatedAt = Number.NEGATIVE_INFINITY;
  for (const at of times) {
    // Level just before this take, evolving from the previous one.
    const level = updatedAt === Number.NEGATIVE_INFINITY ? capacity : Math.min(capacity, tokens + (at - updatedAt) * perMs);
    const availableAt = updatedAt === Number.NEGATIVE_INFINITY || tokens >= 1 ? Number.NEGATIVE_INFINITY : updatedAt + (1 - tokens) / perMs;
    result.push(availableAt);
    // A send observed before its token (the HTTP hop is not exact) leaves the bucket at zero at worst.
    tokens = Math.max(0, level - 1);
    updatedAt = at;
  }
  return result;
}
