import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { bearerMatcher, type FailedAuthLimiter, type Role } from '../http/auth';
import { ApiError } from '../http/errors';
import { sendHtmlPage } from '../http/html-page';
import { routeTo } from '../http/route';
import { CookieSessions } from '../http/session-cookie';
import { PayloadDecryptionError } from '../temporal/payload-codec';
import { codecSignInPage } from './codec-sign-in-page';

/** The cookie of a browser signed in for /codec/decode (POST /codec/session). */
export const CODEC_SESSION_COOKIE = 'codec_session';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
/** A payload as Temporal's codec server protocol carries it: proto3 JSON, so every bytes field is base64. */
const jsonPayload = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() });
const payloadsBody = z
  .object({ payloads: z.array(jsonPayload).max(10_000) })
  .meta({ id: 'CodecPayloads', description: "Temporal's codec server protocol: payloads with base64 metadata values and data" });
type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** Requests sent by the Web UI from a browser: CORS for the configured UI origins, preflight included. */
function corsFor(origins: string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.set({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
      if (req.method === 'OPTIONS') {
        res.set({
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'Authorization, Content-Type, X-Namespace',
          'access-control-max-age': '600',
        });
      }
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * The bearer token check of the codec routes: decoding reads, so the read-only token may do it
 * (POST is how the protocol asks); encoding makes payloads the workers would accept as their
 * own, so it takes the operator token. A codec session cookie counts for decoding only (when
 * `sessions` is given): a cookie is sent by the browser on its own, so it must open nothing that
 * changes anything – decoding only answers the caller, and CORS lets only the configured origins
 * read that answer.
 */
function requireToken(
  tokens: { operator: string; readonly?: string },
  failures: FailedAuthLimiter,
  allowed: Role[],
  sessions?: CookieSessions,
): RequestHandler {
  const roleOf = bearerMatcher<Role>(tokens);
  return (req, res, next) => {
    if (sessions?.validIn(req.get('cookie'))) {
      // The session may only decode, whichever token opened it.
      req.role = 'readonly';
      next();
      return;
    }
    if (failures.refused(req, res, next)) return;
    const role = roleOf(req.get('authorization'));
    if (!role) {
      failures.failed(req);
      next(new ApiError(401, 'unauthorized', 'missing or invalid bearer token'));
      return;
    }
    if (!allowed.includes(role)) {
      next(new ApiError(403, 'forbidden', 'encoding takes the operator token'));
      return;
    }
    req.role = role;
    next();
  };
}

/**
 * A codec server for the Temporal Web UI and CLI (Temporal's codec server protocol): POST
 * /codec/decode and /codec/encode turn payloads through the payload codec of
 * TEMPORAL_PAYLOAD_KEYS, so the UI shows what the encrypted histories hold to those who hold an
 * API token. The CLI sends the token with `--codec-auth 'Bearer …'`; browsers may call it from
 * the origins in TEMPORAL_CODEC_CORS_ORIGINS, with a bearer token or – for decoding – with the
 * session cookie of the sign-in page at /codec/session (the Web UI's "include cross-origin
 * credentials"; its "pass access token" would send the UI's own login token, not ours).
 */
export function codecRouter(deps: {
  codec?: PayloadCodec;
  corsOrigins: string[];
  apiToken: string;
  readonlyToken?: string;
  failures: FailedAuthLimiter;
  /** How long a codec session (sign-in page) lasts. */
  sessionTtlMs: number;
}): Router {
  const router = Router();
  router.use('/codec', corsFor(deps.corsOrigins));
  const route = routeTo(router, '');
  const tokens = { operator: deps.apiToken, readonly: deps.readonlyToken };
  const sessions = new CookieSessions({ name: CODEC_SESSION_COOKIE, path: '/codec' }, deps.sessionTtlMs);
  const apiToken = bearerMatcher<Role>(tokens);

  route(
    {
      method: 'get',
      path: '/codec/session',
      summary: 'Sign-in page: lets this browser decode payloads in the Temporal Web UI',
      tag: 'codec',
      auth: 'none',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    },
    (_input, _req, res) => {
      sendHtmlPage(res, codecSignInPage);
    },
  );
  route(
    {
      method: 'post',
      path: '/codec/session',
      summary: 'Trade an API token for a codec session cookie (decoding only, for the Web UI)',
      tag: 'codec',
      auth: 'none',
      body: z.object({ token: z.string().min(1).max(4_096) }),
      // A client refused for its wrong guesses is refused before its body is even read. JSON
      // only: a cross-site form cannot send it without a preflight this route does not grant.
      before: [
        (req, res, next) => {
          if (!deps.failures.refused(req, res, next)) next();
        },
        express.json({ limit: '8kb' }),
      ],
      responses: {
        204: { description: 'session cookie set (HttpOnly, SameSite=Strict, Path=/codec; Secure over HTTPS)' },
        401: { description: 'not an API token' },
        429: { description: 'too many wrong tokens from this client' },
      },
    },
    ({ body: { token } }, req, res) => {
      if (!apiToken(`Bearer ${token}`)) {
        deps.failures.charge(req);
        throw new ApiError(401, 'unauthorized', 'that is not an API token');
      }
      res.setHeader('set-cookie', sessions.cookie(req.secure));
      res.setHeader('cache-control', 'no-store');
      res.status(204).end();
    },
  );
  const json = express.json({ limit: '8mb' });
  const responses = {
    200: { description: 'the payloads, converted, in the order given', schema: payloadsBody },
    404: { description: 'payload encryption is off (TEMPORAL_PAYLOAD_KEYS unset)' },
  };
  const headers = z.object({
    'X-Namespace': z.string().max(1000).optional().describe('the namespace the payloads come from (the Web UI sends it)'),
  });

  for (const direction of ['decode', 'encode'] as const) {
    route(
      {
        method: 'post',
        path: `/codec/${direction}`,
        summary:
          direction === 'decode'
            ? 'Decrypt payloads for the Temporal Web UI or CLI (codec server protocol)'
            : 'Encrypt payloads for the Temporal Web UI or CLI (codec server protocol; operator token)',
        tag: 'codec',
        auth: direction === 'decode' ? 'codec-session' : 'bearer',
        before: [
          direction === 'decode'
            ? requireToken(tokens, deps.failures, ['operator', 'readonly'], sessions)
            : requireToken(tokens, deps.failures, ['operator']),
          json,
        ],
        headers,
        body: payloadsBody,
        responses:
          direction === 'decode'
            ? {
                ...responses,
                400: { description: 'invalid body, or a payload none of the keys decrypts (the message says which key it names)' },
              }
            : responses,
      },
      async ({ body }, _req, res) => {
        if (!deps.codec)
          throw new ApiError(
            404,
            'codec_off',
            'payload encryption is off (TEMPORAL_PAYLOAD_KEYS is unset): payloads are stored as they are',
          );
        const payloads = body.payloads.map(fromJson);
        let converted: Payload[];
        try {
          converted = direction === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
        } catch (err) {
          if (err instanceof PayloadDecryptionError) throw new ApiError(400, 'undecodable_payload', err.message);
          throw err;
        }
        res.json({ payloads: converted.map(toJson) });
      },
    );
  }
  return router;
}
