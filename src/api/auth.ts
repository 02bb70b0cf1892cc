import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/**
 * Requires `Authorization: Bearer <token>`. Tokens are compared by their SHA-256 digests in
 * constant time, so neither content nor length leaks through timing.
 */
export function requireBearerToken(token: string): RequestHandler {
  const expected = crypto.createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    const given = crypto.createHash('sha256').update(match?.[1] ?? '').digest();
    if (!match || !crypto.timingSafeEqual(given, expected)) {
      next(new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
      return;
    }
    next();
  };
}
