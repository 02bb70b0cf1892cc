import crypto from 'node:crypto';

export const SESSION_COOKIE = 'simulator_session';

/**
 * Short-lived sessions of the simulator page, so the API token never travels in a URL (where
 * history, logs and Referer headers keep it): the page trades the token once (POST) for a
 * cookie that is HttpOnly (no script reads it), SameSite=Strict (no other site sends it) and
 * scoped to /simulator (it opens nothing else). The cookie is `v1.<expiry>.<HMAC>` under a key
 * of this process: nothing to store, and a restart ends every session.
 */
export class SimulatorSessions {
  private readonly key = crypto.randomBytes(32);

  constructor(
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

  /** The Set-Cookie value for a new session (`Secure` when the page was served over HTTPS). */
  cookie(secure: boolean): string {
    return [
      `${SESSION_COOKIE}=${this.issue()}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/simulator',
      `Max-Age=${Math.floor(this.ttlMs / 1000)}`,
      ...(secure ? ['Secure'] : []),
    ].join('; ');
  }

  /** The session cookie of a Cookie header, if any. */
  static fromCookieHeader(header: string | undefined): string | undefined {
    for (const part of (header ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === SESSION_COOKIE) return value.join('=');
    }
    return undefined;
  }
}
