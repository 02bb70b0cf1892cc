import { secretMarkerPattern } from '../flow/secret-markers';
import type { HttpNodeRequest, HttpNodeResponse } from './request';

const MASK = '[secret]';

/** The secret names a request's markers stand for. */
export function markedSecretNames(request: HttpNodeRequest): string[] {
  if (!request.secrets) return [];
  const names = new Set<string>();
  for (const text of texts(request))
    for (const match of text.matchAll(secretMarkerPattern(request.secrets.nonce))) names.add(match[1] as string);
  return [...names];
}

/** The request with every marker replaced by its secret's value. */
export function fillSecrets(request: HttpNodeRequest, values: ReadonlyMap<string, string>): HttpNodeRequest {
  if (!request.secrets) return request;
  const pattern = secretMarkerPattern(request.secrets.nonce);
  const fill = (text: string) => text.replace(pattern, (_marker, name: string) => values.get(name) ?? '');
  // The URL's secrets go in percent-encoded, as any placeholder value in a URL should.
  const fillUrl = (text: string) => text.replace(pattern, (_marker, name: string) => encodeURIComponent(values.get(name) ?? ''));
  return {
    ...request,
    url: fillUrl(request.url),
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, fill(v)])),
    ...(request.body === undefined ? {} : { body: fill(request.body) }),
  };
}

/**
 * The response with the secrets' values masked wherever it echoes them (an API that reflects the
 * request): what the flow saves from it goes into the chat's workflow history.
 */
export function maskSecrets(response: HttpNodeResponse, values: ReadonlyMap<string, string>): HttpNodeResponse {
  const secrets = [...values.values()].filter((v) => v.length >= 4);
  if (secrets.length === 0) return response;
  const mask = (text: string) => secrets.reduce((out, secret) => out.split(secret).join(MASK), text);
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return mask(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k), deep(v)]));
    return value;
  };
  if (!response.ok) return { ...response, error: mask(response.error) };
  return { ...response, headers: deep(response.headers) as Record<string, string>, body: deep(response.body) };
}

function texts(request: HttpNodeRequest): string[] {
  return [request.url, ...Object.values(request.headers), ...(request.body === undefined ? [] : [request.body])];
}
