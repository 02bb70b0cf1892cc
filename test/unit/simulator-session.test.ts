import { SESSION_COOKIE, SimulatorSessions } from '../../src/simulator/session';

describe('simulator sessions', () => {
  it('are HttpOnly, SameSite=Strict cookies for /simulator that expire and cannot be forged', () => {
    let now = 1_000_000;
    const sessions = new SimulatorSessions(60_000, () => now);
    const cookie = sessions.cookie(false);
    expect(cookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=v1\\.1060000\\.[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/simulator; Max-Age=60$`),
    );
    expect(sessions.cookie(true)).toMatch(/; Secure$/);
    const value = SimulatorSessions.fromCookieHeader(`other=1; ${cookie.split(';')[0]}`);
    expect(sessions.valid(value)).toBe(true);
    // Another process (another key), a changed expiry or a late use: refused.
    expect(new SimulatorSessions(60_000, () => now).valid(value)).toBe(false);
    expect(sessions.valid(value!.replace('1060000', '9060000'))).toBe(false);
    now += 60_000;
    expect(sessions.valid(value)).toBe(false);
    expect(sessions.valid(undefined)).toBe(false);
  });
});
