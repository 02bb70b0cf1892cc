import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { rateLimitPerToken, requireBearerToken } from '../../src/api/auth';
import { errorHandler } from '../../src/api/errors';
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
    app.use(rateLimitPerToken(3, () => now));
    app.use(requireBearerToken({ operator, readonly }));
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
});
