import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Allowlist, guardedLookup, systemResolver, type Resolver } from './guarded-lookup';

export { ForbiddenAddressError } from './guarded-lookup';
export type { Resolver } from './guarded-lookup';

/**
 * HTTP calls made on behalf of flow authors (action.http). Author URLs must not reach this
 * machine, the private network or cloud metadata services: only global unicast addresses are
 * allowed unless the operator allowlisted the host or address (HTTP_NODE_ALLOWLIST). The check
 * sits in the connection's own DNS lookup and again on the connected socket, so a name that
 * answers a public address to a check and a private one to the connection (DNS rebinding) gets
 * nowhere. Redirects are not followed (a redirect could point inside), and responses are cut at a
 * size limit.
 */
export interface HttpNodeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The request carries flow-secret markers of this nonce, to fill in from this bot's secrets. */
  secrets?: { botId: string; nonce: string };
}

export type HttpNodeResponse =
  { ok: true; status: number; headers: Record<string, string>; body: unknown } | { ok: false; status: number | null; error: string };

export const MAX_RESPONSE_BYTES = 1_000_000;

/** Resolves `hostname` and throws unless every address may be reached (validation, tests). */
export async function assertAllowedHost(hostname: string, allowlist: readonly string[], resolve: Resolver = systemResolver): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const allowed = new Allowlist(allowlist);
  if (allowed.hasName(host)) return;
  const addresses = net.isIP(host) ? [host] : (await resolve(host)).map((a) => a.address);
  for (const address of addresses) allowed.check(host, address);
}

export async function performHttpNodeRequest(
  request: HttpNodeRequest,
  allowlist: readonly string[],
  options: { resolve?: Resolver } = {},
): Promise<HttpNodeResponse> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { ok: false, status: null, error: `invalid URL ${request.url}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, status: null, error: 'only http and https are allowed' };
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const { status, headers, text } = await send(url, request, new Allowlist(allowlist), options.resolve ?? systemResolver, signal);
    const body = /json/.test(headers['content-type'] ?? '') ? safeJson(text) : text;
    if (status < 200 || status > 299) return { ok: false, status, error: `HTTP ${status}` };
    return { ok: true, status, headers, body };
  } catch (err) {
    if (signal.aborted) return { ok: false, status: null, error: `timed out after ${request.timeoutMs} ms` };
    return { ok: false, status: null, error: (err as Error).message ?? String(err) };
  }
}

/** One request on a fresh connection (no pooled socket skips the checks), DNS included in the timeout. */
function send(
  url: URL,
  request: HttpNodeRequest,
  allowlist: Allowlist,
  resolve: Resolver,
  signal: AbortSignal,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is connected to without any lookup: check it here.
  if (net.isIP(host)) allowlist.check(host, host);
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(Buffer.byteLength(request.body));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = client.request(url, {
      method: request.method,
      headers,
      agent: false,
      lookup: allowlist.hasName(host) ? undefined : guardedLookup(allowlist, resolve),
      signal,
    });
    req.on('socket', (socket) => {
      // Whatever resolved the name, the peer we are connected to must pass too.
      socket.once('connect', () => {
        const peer = socket.remoteAddress;
        try {
          if (peer) allowlist.check(host, peer);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new Error(`response is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        const flat = Object.fromEntries(
          Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]),
        );
        resolvePromise({ status: response.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
