import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';

/** The body of every error answer (`Error` in the OpenAPI document). */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z
        .unknown()
        .optional()
        .describe('For 400: `[{field, message}]`, naming each bad field (`body.prompt`, `query.limit`, `headers.idempotency-key`, …).'),
    }),
  })
  .meta({ id: 'Error' });

/**
 * An error the API reports to its caller as `{error: {code, message, details}}` with `status`.
 * Anything else thrown in a handler becomes a 500 with no internals in the body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'not_found', `${what} not found`);
  }

  /**
   * A 400 that names every bad field, from a zod error. Header names are case-insensitive, so a
   * header is named in lower case (`headers.idempotency-key`) however its schema spells it.
   */
  static validation(error: z.ZodError, where: 'body' | 'query' | 'params' | 'headers', code = 'invalid_request'): ApiError {
    const details = error.issues.map((issue) => {
      const [first, ...rest] = issue.path.map(String);
      const path = where === 'headers' && first !== undefined ? [first.toLowerCase(), ...rest] : issue.path;
      return { field: [where, ...path].join('.'), message: issue.message };
    });
    return new ApiError(400, code, details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof ApiError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
    return;
  }
  // express.json() reports unparsable bodies with a `type` and a 4xx status.
  if (typeof err === 'object' && err && 'type' in err && err.type === 'entity.parse.failed') {
    res.status(400).json({ error: { code: 'invalid_json', message: 'request body is not valid JSON' } });
    return;
  }
  if (typeof err === 'object' && err && 'type' in err && err.type === 'entity.too.large') {
    res.status(413).json({ error: { code: 'payload_too_large', message: 'request body is too large' } });
    return;
  }
  req.log.error({ err }, 'unhandled error in request');
  res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
};
