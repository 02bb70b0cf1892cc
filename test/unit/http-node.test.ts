import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isGlobalUnicast } from '../../src/http-node/address-policy';
import {
  assertAllowedHost,
  ForbiddenAddressError,
  MAX_RESPONSE_BYTES,
  performHttpNodeRequest,
  type Resolver,
} from '../../src/http-node/request';

/** Flow authors choose URLs; they must not reach this machine, the private network or metadata. */
describe('HTTP request node safety', () => {
  it.each([
    '127.0.0.1',
    'localhost',
    '10.1.2.3',
    '172.16.0.9',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '[::1]',
    '::ffff:127.0.0.1',
    'fe80::1',
  ])('refuses %s unless allowlisted', async (host) => {
    await expect(assertAllowedHost(host, [])).rejects.toBeInstanceOf(ForbiddenAddressError);
  });

  // IPv4 hidden in IPv6 is judged by the IPv4 address; everything not global unicast is refused.
  it.each([
    '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '64:ff9b:1::a00:1', // local-use NAT64
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '::7f00:1', // v4-compatible 127.0.0.1
    '::127.0.0.1',
    '::ffff:7f00:1', // v4-mapped, hex spelling
    '::ffff:10.0.0.1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    'fec0::1', // site-local
    'fd12:3456::1', // unique local
    'fe80::1%lo', // link-local with a zone
    'ff02::1', // multicast
    '2001:db8::1', // documentation
    '3fff::1', // documentation (RFC 9637)
    '2001:2::1', // benchmarking
    '::', // unspecified
    '100.64.0.1', // CGNAT
    '0.1.2.3', // "this network"
    '240.0.0.1', // reserved
    '255.255.255.255',
    '224.0.0.1', // multicast
    '192.0.2.1', // documentation
    '198.51.100.7',
    '203.0.113.9',
    '198.18.0.1', // benchmarking
    '192.0.0.8',
  ])('refuses %s', async (address) => {
    expect(isGlobalUnicast(address)).toBe(false);
    await expect(assertAllowedHost(address, [])).rejects.toBeInstanceOf(ForbiddenAddressError);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2a00:1450:4001:80b::200e',
    '64:ff9b::5db8:d822',
    '2002:5db8:d822::1',
    '::ffff:8.8.8.8',
  ])('allows the global unicast address %s', (address) => {
    expect(isGlobalUnicast(address)).toBe(true);
  });

  it('allows a public address, and a private one the operator allowlisted (in any spelling)', async () => {
    await expect(assertAllowedHost('93.184.216.34', [])).resolves.toBeUndefined();
    await expect(assertAllowedHost('127.0.0.1', ['127.0.0.1'])).resolves.toBeUndefined();
    await expect(assertAllowedHost('[0:0:0:0:0:0:0:1]', ['::1'])).resolves.toBeUndefined();
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    await expect(assertAllowedHost('mixed.example', [], resolve)).rejects.toBeInstanceOf(ForbiddenAddressError);
  });

  describe('against a local server', () => {
    let server: http.Server;
    let base: string;
    let port: number;
    const seen: string[] = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push(req.url ?? '');
        if (req.url === '/big') res.end('x'.repeat(MAX_RESPONSE_BYTES + 10));
        else if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
        else if (req.url === '/slow') setTimeout(() => res.end('late'), 2_000);
        else if (req.url === '/fail') res.writeHead(503).end('down');
        else if (req.url === '/echo') req.pipe(res);
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: 42 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      base = `http://127.0.0.1:${port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const request = (path: string, allow = ['127.0.0.1'], timeoutMs = 5_000) =>
      performHttpNodeRequest({ method: 'GET', url: `${base}${path}`, headers: {}, timeoutMs }, allow);

    it('returns parsed JSON from an allowlisted host', async () => {
      expect(await request('/ok')).toMatchObject({ ok: true, status: 200, body: { answer: 42 } });
    });
    it('sends the body', async () => {
      const response = await performHttpNodeRequest(
        { method: 'POST', url: `${base}/echo`, headers: { 'content-type': 'text/plain' }, body: 'héllo', timeoutMs: 5_000 },
        ['127.0.0.1'],
      );
      expect(response).toMatchObject({ ok: true, body: 'héllo' });
    });
    it('reaches an allowlisted host name', async () => {
      const response = await performHttpNodeRequest(
        { method: 'GET', url: `http://localhost:${port}/ok`, headers: {}, timeoutMs: 5_000 },
        ['localhost'],
        {
          resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        },
      );
      expect(response).toMatchObject({ ok: true, status: 200 });
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
    it('times out while the name is still resolving', async () => {
      const never: Resolver = () => new Promise(() => undefined);
      const response = await performHttpNodeRequest(
        { method: 'GET', url: `http://slow-dns.example:${port}/ok`, headers: {}, timeoutMs: 100 },
        [],
        { resolve: never },
      );
      expect(response).toEqual({ ok: false, status: null, error: 'timed out after 100 ms' });
    });
    it('reports a non-2xx status as an error', async () => {
      expect(await request('/fail')).toMatchObject({ ok: false, status: 503 });
    });

    it('a rebinding name (public first, loopback next) never reaches the loopback server', async () => {
      let calls = 0;
      // The first answer is what a separate pre-check would see; every later one points inside.
      const rebinding: Resolver = async () =>
        calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
      const before = seen.length;
      for (let i = 0; i < 3; i++) {
        const response = await performHttpNodeRequest(
          { method: 'GET', url: `http://rebind.example:${port}/rebound`, headers: {}, timeoutMs: 300 },
          [],
          { resolve: rebinding },
        );
        expect(response.ok).toBe(false);
      }
      expect(seen.slice(before)).not.toContain('/rebound');
      // One resolution per request: the address checked is the address connected to.
      expect(calls).toBe(3);
    });

    it('a name resolving to loopback is refused at connection time', async () => {
      const loopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const response = await performHttpNodeRequest(
        { method: 'GET', url: `http://inside.example:${port}/inside`, headers: {}, timeoutMs: 2_000 },
        [],
        { resolve: loopback },
      );
      expect(response).toMatchObject({ ok: false, error: expect.stringContaining('not allowed') });
      expect(seen).not.toContain('/inside');
    });
  });
});
