import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import { errorHandler, notFoundHandler } from '../../src/http/errors';
import { buildStudio, staleness, studioAssetsDir } from '../../src/studio/bundle';
import { studioRouter } from '../../src/studio/router';

/**
 * The studio needs no build command: a development start builds its bundle when missing or
 * stale, an image ships it built, and the page runs under a policy with no inline script.
 */
describe('the studio bundle and page', () => {
  let tmp: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bundle-'));
    const app = express();
    app.use(studioRouter());
    app.use(notFoundHandler);
    app.use(errorHandler);
    server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds into an empty folder, and a build is current until one of its inputs changes', async () => {
    const out = path.join(tmp, 'fresh');
    expect(staleness(out)).toBe('not built yet');
    const built = await buildStudio(out);
    expect(staleness(out)).toBeNull();
    expect(built.bytes.js).toBeGreaterThan(0);
    expect(built.bytes.jsGzip).toBeLessThan(built.bytes.js);

    // The stamp records every input's hash: one that no longer matches makes the bundle stale.
    const stampFile = path.join(out, 'stamp.json');
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { inputs: Record<string, string> };
    const inputs = Object.keys(stamp.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['studio/src/main.tsx', 'src/flow/validator.ts']));
    stamp.inputs['studio/src/main.tsx'] = 'an older version';
    fs.writeFileSync(stampFile, JSON.stringify(stamp));
    expect(staleness(out)).toBe('studio/src/main.tsx changed');

    fs.rmSync(path.join(out, 'studio.css'));
    expect(staleness(out)).toBe('studio.css is missing');
  });

  it('survives two processes building the same folder at once: the folder ends complete', async () => {
    const out = path.join(tmp, 'raced');
    await Promise.all([buildStudio(out), buildStudio(out)]);
    expect(staleness(out)).toBeNull();
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('serves the page under a policy without inline scripts, and its files from this origin', async () => {
    const page = await fetch(`${base}/studio`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<script src="/studio/assets/studio.js" type="module">');
    // No CDN, no web font: nothing in the page points at another host.
    expect(html).not.toMatch(/https?:\/\//);

    // The first request in development builds the bundle (or finds it current).
    const script = await fetch(`${base}/studio/assets/studio.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(script.headers.get('content-encoding')).toBe('gzip');
    const body = Buffer.from(await script.arrayBuffer());
    expect(body.equals(fs.readFileSync(path.join(studioAssetsDir(), 'studio.js')))).toBe(true);

    const style = await new Promise<{ type?: string; encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(`${base}/studio/assets/studio.css`, { headers: { 'accept-encoding': 'identity' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ type: res.headers['content-type'], encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        })
        .on('error', reject);
    });
    expect(style.type).toMatch(/^text\/css/);
    expect(style.encoding).toBeUndefined();
    expect(style.body.toString()).toContain('.react-flow');
    expect(zlib.gunzipSync(fs.readFileSync(path.join(studioAssetsDir(), 'studio.css.gz'))).equals(style.body)).toBe(true);

    const other = await fetch(`${base}/studio/assets/..%2F..%2Fpackage.json`);
    expect(other.status).toBe(400);
  });
});
