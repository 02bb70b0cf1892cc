import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertAllowedHost, ForbiddenAddressError, MAX_RESPONSE_BYTES, performHttpNodeRequest } from '../../src/http-node/request';

/** Flow authors choose URLs; they must not reach this machine, the private network or metadata. */
describe('HTTP request node safety', () => {
  it.each(['127.0.0.1', 'localhost', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '0.0.0.0', '[::1]', '::ffff:127.0.0.1', 'fe80::1'])(
    'refuses %s unless allowlisted',
    async (host) => {
      await expect(assertAllowedHost(host, [])).rejects.toBeInstanceOf(ForbiddenAddressError);
    },
  );

  it('allows a public address, and a private one the operator allowlisted', async () => {
    await expect(assertAllowedHost('93.184.216.34', [])).resolves.toBeUndefined();
    await expect(assertAllowedHost('127.0.0.1', ['127.0.0.1'])).resolves.toBeUndefined();
  });

  describe('against a local server', () => {
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/big') res.end('x'.repeat(MAX_RESPONSE_BYTES + 10));
        else if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
        else if (req.url === '/slow') setTimeout(() => res.end('late'), 2_000);
        else if (req.url === '/fail') res.writeHead(503).end('down');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: 42 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const request = (path: string, allow = ['127.0.0.1'], timeoutMs = 5_000) =>
      performHttpNodeRequest({ method: 'GET', url: `${base}${path}`, headers: {}, timeoutMs }, allow);

    it('returns parsed JSON from an allowlisted host', async () => {
      expect(await request('/ok')).toMatchObject({ ok: true, status: 200, body: { answer: 42 } });
    });
    it('refuses the same host when it is not allowlisted', async () => {
      expect(await request('/ok', [])).toMatchObject({ ok: false, error: expect.stringContaining('not allowed') });
    });
    it('does not follow redirects (they could point inside)', async () => {
      expect(await request('/redirect')).toMatchObject({ ok: false, status: 302 });
    });
    it('cuts responses larger than the limit', async () => {
      expect(await request('/big')).toMatchObject({ ok: false, error: expect.stringContaining('larger than') });
    });
    it('times out', async () => {
      expect(await request('/slow', ['127.0.0.1'], 200)).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
    });
    it('reports a non-2xx status as an error', async () => {
      expect(await request('/fail')).toMatchObject({ ok: false, status: 503 });
    });
  });
});
