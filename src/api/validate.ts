import type { Request } from 'express';
import type { z } from 'zod';
import { ApiError } from './errors';

/** Parses one part of a request with its zod schema; a failure is a 400 naming each bad field. */
export function parseRequest<T extends z.ZodType>(schema: T, req: Request, where: 'body' | 'query' | 'params'): z.infer<T> {
  const result = schema.safeParse(req[where] ?? {});
  if (!result.success) throw ApiError.validation(result.error, where);
  return result.data;
}

/** The `Idempotency-Key` header, required on operations that move money. */
export function idempotencyKey(req: Request): string {
  const key = req.get('idempotency-key');
  if (!key || !/^[A-Za-z0-9._:-]{1,128}$/.test(key)) {
    throw new ApiError(400, 'invalid_request', 'headers.idempotency-key: required, 1-128 characters of A-Z a-z 0-9 . _ : -', [
      { field: 'headers.idempotency-key', message: 'required, 1-128 characters of A-Z a-z 0-9 . _ : -' },
    ]);
  }
  return key;
}
