import crypto from 'node:crypto';
import net from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import { parseIpv6 } from '../http-node/address-policy';
import { BoundedBuckets } from './bounded-buckets';
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
  const known = (Object.entries(tokens) as [R, string | undefined][]).flatMap(([role, token]) =>
    token ? [{ role, digest: digest(token) }] : [],
  );
  return (authorization) => {
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    const given = digest(match?.[1] ?? '');
    // Compare with every token, always, so the time taken does not tell which one matched.
    const role = known.reduce<R | undefined>((found, t) => (crypto.timingSafeEqual(given, t.digest) ? t.role : found), undefined);
    return match ? role : undefined;
  };
}

/**
 * The client a failed attempt is charged to: its address, and for IPv6 its /64 (one subscriber
 * usually holds a whole /64, so counting single addresses would give it 2^64 budgets).
 */
export function clientKey(ip: string | undefined): string {
  const address = (ip ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (net.isIPv6(address))
    return `${parseIpv6(address)
      .slice(0, 8)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')}/64`;
  return address;
}

/**
 * Wrong bearer tokens per client: after `perMinute` of them (a burst of a minute's worth), the
 * client gets 429 with Retry-After for every token, right or wrong, until its budget refills –
 * so guessing costs a minute per `perMinute` guesses. Requests without a token are not guesses
 * and cost nothing. Memory is bounded by `maxClients`.
 */
export class FailedAuthLimiter {
  private readonly buckets: BoundedBuckets;

  constructor(perMinute: number, maxClients = 10_000, now: () => number = Date.now) {
    this.buckets = new BoundedBuckets(perMinute, perMinute, maxClients, now);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until the client may try a token again; 0 when it may now. */
  retryAfter(req: Request): number {
    return this.buckets.retryAfter(clientKey(req.ip));
  }

  /** Refuses with 429 (true) when the client has used up its wrong guesses. */
  refused(req: Request, res: Response, next: (err?: unknown) => void): boolean {
    const wait = this.retryAfter(req);
    if (wait === 0) return false;
    tooMany(res, next, wait, 'too many failed authentication attempts');
    return true;
  }

  /** Charges a wrong token to the client, when one was presented. */
  failed(req: Request): void {
    if (req.get('authorization')) this.charge(req);
  }

  /** Charges one wrong guess to the client. */
  charge(req: Request): void {
    this.buckets.take(clientKey(req.ip));
  }
}

function tooMany(res: Response, next: (err?: unknown) => void, retryAfter: number, why: string): void {
  res.setHeader('retry-after', String(retryAfter));
  next(new ApiError(429, 'rate_limited', `${why}; retry in ${retryAfter} s`));
}

/**
 * Requires `Authorization: Bearer <token>` and gives the request the token's role, then applies
 * the token's request budget (token bucket: bursts up to a minute's allowance, then the
 * configured rate; over it 429 with Retry-After; per process). Buckets exist only for tokens that
 * authenticated – one per role – so junk tokens create none; they are charged to their client by
 * `failures` instead. A read-only token may read (GET, HEAD) and nothing else: 403 otherwise.
 */
export function requireBearerToken(
  tokens: { operator: string; readonly?: string },
  limits: { perMinute: number; failures: FailedAuthLimiter; now?: () => number },
): RequestHandler & { bucketCount(): number } {
  const roleOf = bearerMatcher<Role>(tokens);
  const perToken = new BoundedBuckets(limits.perMinute, limits.perMinute, 2, limits.now);
  const handler: RequestHandler = (req, res, next) => {
    if (limits.failures.refused(req, res, next)) return;
    const role = roleOf(req.get('authorization'));
    if (!role) {
      limits.failures.failed(req);
      next(new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
      return;
    }
    const wait = perToken.take(role);
    if (wait > 0) {
      tooMany(res, next, wait, 'too many requests');
      return;
    }
    if (role === 'readonly' && req.method !== 'GET' && req.method !== 'HEAD') {
      next(new ApiError(403, 'forbidden', 'this token may only read'));
      return;
    }
    req.role = role;
    next();
  };
  return Object.assign(handler, { bucketCount: () => perToken.size + limits.failures.size });
}

/** Any of `tokens` lets the request through (scrapers: the metrics token or an API token). */
export function requireAnyBearerToken(tokens: (string | undefined)[], failures: FailedAuthLimiter): RequestHandler {
  const matches = bearerMatcher(Object.fromEntries(tokens.map((t, i) => [`t${i}`, t])));
  return (req, res, next) => {
    if (failures.refused(req, res, next)) return;
    if (matches(req.get('authorization'))) {
      next();
      return;
    }
    failures.failed(req);
    next(new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
  };
}
