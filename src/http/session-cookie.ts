import crypto from 'node:crypto';

/**
 * Short-lived browser sessions traded once for an API token, so the token never travels in a URL
 * (where history, logs and Referer headers keep it) nor sits where a script can read it: a cookie
 * that is HttpOnly (no script reads it), SameSite=Strict (no other site sends it) and scoped to
 * one path (it opens nothing else). The value is `v1.<expiry>.<HMAC>` under a key of this
 * instance: nothing to store, a restart ends every session, and two instances (the simulator's,
 * the codec's) never accept each other's cookies.
 */
export class CookieSessions {
  private readonly key = crypto.randomBytes(32);

  constructor(
    readonly scope: { name: string; path: string },
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private sign(payload: string): string {
    return crypto.createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  issue(): string {
    const payload = `v1.${this.now() + this.ttlMs}`;
    return `${payload}.${this.sign(payload)}`;
  }

  valid(value: string | undefined): boolean {
    const match = /^(v1\.(\d{1,15}))\.([\w-]{43})$/.exec(value ?? '');
    if (!match) return false;
    const [, payload, expiry, signature] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.sign(payload));
    return crypto.timingSafeEqual(expected, Buffer.from(signature)) && Number(expiry) > this.now();
  }

  /** Whether the request's Cookie header carries a valid session of this scope. */
  validIn(cookieHeader: string | undefined): boolean {
    return this.valid(cookieValue(cookieHeader, this.scope.name));
  }

  /** The Set-Cookie value for a new session (`Secure` when the page was served over HTTPS). */
  cookie(secure: boolean): string {
    return [
      `${this.scope.name}=${this.issue()}`,
      'HttpOnly',
      'SameSite=Strict',
      `Path=${this.scope.path}`,
      `Max-Age=${Math.floor(this.ttlMs / 1000)}`,
      ...(secure ? ['Secure'] : []),
    ].join('; ');
  }
}

/** The value of cookie `name` in a Cookie header, if any. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
