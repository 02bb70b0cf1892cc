import dns from 'node:dns/promises';
import net from 'node:net';

/**
 * HTTP calls made on behalf of flow authors (action.http). Author URLs must not reach this
 * machine, the private network or cloud metadata services: the host is resolved first and every
 * address checked, unless the operator allowlisted it (HTTP_NODE_ALLOWLIST). Redirects are not
 * followed (a redirect could point inside), and responses are cut at a size limit.
 */
export interface HttpNodeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type HttpNodeResponse =
  | { ok: true; status: number; headers: Record<string, string>; body: unknown }
  | { ok: false; status: number | null; error: string };

export const MAX_RESPONSE_BYTES = 1_000_000;

export class ForbiddenAddressError extends Error {
  constructor(host: string, address: string) {
    super(`requests to ${host} (${address}) are not allowed: loopback, private, link-local and metadata addresses need HTTP_NODE_ALLOWLIST`);
    this.name = 'ForbiddenAddressError';
  }
}

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(prefix, bits, 'ipv6');

function isForbidden(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return blocked.check(mapped, 'ipv4');
  return blocked.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

export async function assertAllowedHost(hostname: string, allowlist: readonly string[]): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (allowlist.includes(host)) return;
  const addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
  for (const address of addresses) {
    if (allowlist.includes(address)) continue;
    if (isForbidden(address)) throw new ForbiddenAddressError(host, address);
  }
}

export async function performHttpNodeRequest(request: HttpNodeRequest, allowlist: readonly string[]): Promise<HttpNodeResponse> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { ok: false, status: null, error: `invalid URL ${request.url}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, status: null, error: 'only http and https are allowed' };
  try {
    await assertAllowedHost(url.hostname, allowlist);
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await readLimited(response);
    const headers = Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
    const body = /json/.test(response.headers.get('content-type') ?? '') ? safeJson(text) : text;
    if (response.status < 200 || response.status > 299) return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    return { ok: true, status: response.status, headers, body };
  } catch (err) {
    // fetch rejects with a DOMException, which is not always an `Error` of this realm.
    const { name, message } = err as { name?: string; message?: string };
    const error = name === 'TimeoutError' ? `timed out after ${request.timeoutMs} ms` : (message ?? String(err));
    return { ok: false, status: null, error };
  }
}

async function readLimited(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new Error(`response is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
