import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

export type Role = 'operator' | 'readonly';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling: the role of the bearer token (also recorded in the audit log). */
    role: Role;
  }
}

const digest = (token: string) => crypto.createHash('sha256').update(token).digest();

/**
 * Which of `tokens` an `Authorization: Bearer <token>` header carries, if any. Tokens are compared
 * by their SHA-256 digests in constant time, so neither content nor length leaks through timing.
 */
export function bearerMatcher<R extends string>(tokens: Partial<Record<R, string>>): (authorization: string | undefined) => R | undefined {
  const known = (Object.entries(tokens) as [R, string | undefined][]).flatMap(([role, token]) => (token ? [{ role, digest: digest(token) }] : []));
  return (authorization) => {
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    const given = digest(match?.[1] ?? '');
    // Compare with every token, always, so the time taken does not tell which one matched.
    const role = known.reduce<R | undefined>((found, t) => (crypto.timingSafeEqual(given, t.digest) ? t.role : found), undefined);
    return match ? role : undefined;
  };
}

/**
 * Requires `Authorization: Bearer <token>` and gives the request the token's role. A read-only
 * token may read (GET, HEAD) and nothing else: 403 for anything that changes.
 */
export function requireBearerToken(tokens: { operator: string; readonly?: string }): RequestHandler {
  const roleOf = bearerMatcher<Role>(tokens);
  return (req, _res, next) => {
    const role = roleOf(req.get('authorization'));
    if (!role) {
      next(new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
      return;
    }
    if (role === 'readonly' && req.method !== 'GET' && req.method !== 'HEAD') {
      next(new ApiError(403, 'forbidden', 'this token may only read'));
      return;
    }
    req.role = role;
    next();
  };
}

/** Any of `tokens` lets the request through (scrapers: the metrics token or an API token). */
export function requireAnyBearerToken(tokens: (string | undefined)[]): RequestHandler {
  const matches = bearerMatcher(Object.fromEntries(tokens.map((t, i) => [`t${i}`, t])));
  return (req, _res, next) => {
    next(matches(req.get('authorization')) ? undefined : new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
  };
}

/**
 * A request budget per token (token bucket): bursts up to a minute's allowance, then the
 * configured rate. Over it: 429 with Retry-After. Per process; replicas each keep their own.
 */
export function rateLimitPerToken(perMinute: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return (req, res, next) => {
    const key = digest(req.get('authorization') ?? '').toString('hex');
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / perMs / 1000);
      res.setHeader('retry-after', String(retryAfter));
      next(new ApiError(429, 'rate_limited', `too many requests; retry in ${retryAfter} s`));
      return;
    }
    bucket.tokens -= 1;
    next();
  };
}
