import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { clientKey, FailedAuthLimiter, requireBearerToken } from '../../src/http/auth';
import { BoundedBuckets } from '../../src/http/bounded-buckets';
import { errorHandler } from '../../src/http/errors';
import { createLogger } from '../../src/logger';

const operator = 'operator-token-0123456789';
const readonly = 'readonly-token-0123456789';

describe('API access', () => {
  let server: http.Server;
  let url: string;
  let now = 0;
  beforeAll(async () => {
    const app = express();
    app.use((req, _res, next) => {
      req.log = createLogger('silent');
      next();
    });
    app.use(
      requireBearerToken({ operator, readonly }, { perMinute: 3, failures: new FailedAuthLimiter(5, 100, () => now), now: () => now }),
    );
    app.get('/thing', (req, res) => void res.json({ role: req.role }));
    app.post('/thing', (req, res) => void res.status(201).json({ role: req.role }));
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const call = (method: string, token?: string) => fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('lets the operator read and change, the read-only token only read (403 otherwise), and nobody else in', async () => {
    now += 60_000;
    expect((await call('POST', operator)).status).toBe(201);
    expect(await (await call('GET', readonly)).json()).toEqual({ role: 'readonly' });
    now += 60_000;
    const refused = await call('POST', readonly);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await call('GET')).status).toBe(401);
    expect((await call('GET', 'guess-guess-guess-guess')).status).toBe(401);
  });

  it('limits each token’s request rate with 429 and Retry-After, without touching other tokens', async () => {
    now += 120_000;
    for (let i = 0; i < 3; i++) expect((await call('GET', operator)).status).toBe(200);
    const limited = await call('GET', operator);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect((await call('GET', readonly)).status).toBe(200);
    now += 20_000;
    expect((await call('GET', operator)).status).toBe(200);
  });

  it('answers repeated wrong guesses from one client with 429 and Retry-After, even for the right token', async () => {
    now += 120_000;
    for (let i = 0; i < 5; i++) expect((await call('GET', `wrong-guess-${i}-0123456789`)).status).toBe(401);
    const limited = await call('GET', 'wrong-guess-5-0123456789');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('12');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // A correct guess now would not be told apart from a wrong one.
    expect((await call('GET', operator)).status).toBe(429);
    // Requests without a token are not guesses.
    now += 12_000;
    for (let i = 0; i < 10; i++) expect((await call('GET')).status).toBe(401);
    expect((await call('GET', operator)).status).toBe(200);
  });
});

describe('limiter memory', () => {
  it('100,000 junk tokens from as many clients leave a bounded number of buckets', () => {
    const failures = new FailedAuthLimiter(10, 1_000, () => 0);
    const guard = requireBearerToken({ operator, readonly }, { perMinute: 60, failures, now: () => 0 });
    const statuses = new Map<number, number>();
    const res = { setHeader() {} } as unknown as Response;
    for (let i = 0; i < 100_000; i++) {
      const headers: Record<string, string> = { authorization: `Bearer junk-${i}` };
      const req = {
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        method: 'GET',
        get: (name: string) => headers[name.toLowerCase()],
      } as unknown as Request;
      guard(req, res, (err?: unknown) => {
        const status = (err as { status?: number } | undefined)?.status ?? 200;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
    }
    expect(statuses.get(401)).toBe(100_000);
    expect(guard.bucketCount()).toBeLessThanOrEqual(1_000);
  });

  it('drops buckets that have refilled, and the least recently used past the bound', () => {
    let now = 0;
    const buckets = new BoundedBuckets(2, 2, 3, () => now);
    for (const key of ['a', 'b', 'c', 'd']) expect(buckets.take(key)).toBe(0);
    expect(buckets.size).toBe(3);
    now += 60_000;
    buckets.take('e');
    expect(buckets.size).toBeLessThanOrEqual(2);
  });

  it('charges an IPv6 client by its /64', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });
});
