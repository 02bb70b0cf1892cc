import crypto from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** Logger bound to this request's id. */
    log: Logger;
  }
}

/**
 * Gives every request an id (the caller's `X-Request-Id` or a new one) and logs one line when
 * the response is finished (accepted Telegram updates: at debug level). Headers are not logged: they carry bearer tokens and secrets.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = req.get('x-request-id')?.slice(0, 100) || crypto.randomUUID();
    // With tracing on, the trace id ties this request's log lines to its spans.
    const span = trace.getActiveSpan()?.spanContext();
    req.log = logger.child(span && trace.isSpanContextValid(span) ? { requestId, traceId: span.traceId } : { requestId });
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      // originalUrl: req.path is relative to the router that answered (`/generations`).
      const entry = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      };
      if (res.statusCode >= 500) req.log.error(entry, 'request failed');
      // Telegram's accepted updates are the hot path (one per message or press, counted by
      // telegram_updates_received_total): a line each only at debug level.
      else if (res.statusCode < 300 && entry.path?.startsWith('/telegram/')) req.log.debug(entry, 'request');
      else req.log.info(entry, 'request');
    });
    next();
  };
}
