import { CookieSessions, cookieValue } from '../http/session-cookie';

export const SESSION_COOKIE = 'simulator_session';

/**
 * Sessions of the simulator page: the page trades the operator's API token once (POST
 * /simulator/session) for a cookie scoped to /simulator (see CookieSessions).
 */
export class SimulatorSessions extends CookieSessions {
  constructor(ttlMs: number, now: () => number = Date.now) {
    super({ name: SESSION_COOKIE, path: '/simulator' }, ttlMs, now);
  }

  /** The session cookie of a Cookie header, if any. */
  static fromCookieHeader(header: string | undefined): string | undefined {
    return cookieValue(header, SESSION_COOKIE);
  }
}
