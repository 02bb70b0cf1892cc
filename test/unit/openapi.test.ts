import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { TokenCipher } from '../../src/bots/token-cipher';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/client';
import { generationSettings } from '../../src/generation/request';
import { createLogger } from '../../src/logger';

const root = path.resolve(__dirname, '..', '..');

/** Source files under `dir`, recursively. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('the OpenAPI document', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    // Building the app touches neither the database nor Temporal; these stand-ins are never called.
    const config = loadConfig({}, '/nonexistent/.env');
    const app = createApp({
      db: {} as Database,
      temporal: {} as Client,
      logger: createLogger('silent'),
      apiToken: 'operator-token-0123456789',
      rateLimitPerMinute: 100,
      authFailuresPerMinute: 30,
      maxStreamsPerToken: 20,
      metricsDatabaseRefreshMs: 15_000,
      generations: generationSettings(config),
      telegramTarget: { temporal: {} as Client, taskQueue: 'q', floodLimitPerMinute: 100 },
      bots: { cipher: new TokenCipher('k'.repeat(16)), apiRoot: 'http://127.0.0.1:1' },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('is valid OpenAPI 3.1 (checked by an independent validator)', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js'), file],
      { encoding: 'utf8' },
    );
    expect(`${result.stdout}${result.stderr}`).toContain('"valid": true');
    expect(result.status).toBe(0);
  });

  it('lists every route the app serves, with the fields its zod schemas validate', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters: { name: string }[];
            requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
          }
        >
      >;
    };
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /docs',
        'POST /telegram/{botId}/webhook',
        'POST /api/users',
        'POST /api/users/{id}/credits',
        'POST /api/generations',
        'POST /api/generations/{id}/cancel',
        'POST /api/bots',
        'POST /api/bots/{botId}/flows/{flowId}/publish',
        'GET /api/executions',
        'GET /api/executions/{workflowId}/stream',
        'POST /api/executions/{workflowId}/restart',
        'POST /codec/decode',
        'POST /codec/encode',
      ]),
    );
    const create = doc.paths['/api/generations']!.post!;
    expect(Object.keys(create.requestBody!.content['application/json']!.schema.properties ?? {})).toEqual([
      'userId',
      'kind',
      'prompt',
      'params',
      'chat',
    ]);
    expect(create.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(doc.paths['/api/executions']!.get!.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['bot', 'chat', 'user', 'kind', 'status', 'startedAfter', 'limit', 'cursor']),
    );
  });

  it('cannot miss a route: no router registers one except through routeTo', () => {
    const direct = sources(path.join(root, 'src'))
      .filter((file) => !file.includes('telegram-emulator'))
      .flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => /\b(router|app|api)\.(get|post|put|patch|delete)\(/.test(line))
          .map((line) => `${path.relative(root, file)}: ${line.trim()}`),
      );
    expect(direct).toEqual([]);
  });

  it('describes what every route answers: JSON with a schema, another content type, or nothing', async () => {
    type Operation = { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> };
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const undescribed = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(([status, response]) => {
            if (status === '204') return false;
            const json = response.content?.['application/json'];
            if (json) return Object.keys(json.schema).length === 0;
            return !response.content;
          })
          .map(([status]) => `${method.toUpperCase()} ${p} ${status}`),
      ),
    );
    expect(undescribed).toEqual([]);
    const user = doc.paths['/api/users/{id}']!.get!.responses;
    expect(Object.keys(user['200']!.content!['application/json']!.schema.properties as object)).toEqual(
      expect.arrayContaining(['id', 'displayName', 'balance', 'createdAt']),
    );
    expect(user['404']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(user['401']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('documents the draft as any JSON object (a draft may be unfinished), and a version with its flow definition', async () => {
    type Schema = { type?: string; properties?: Record<string, Schema>; additionalProperties?: unknown };
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; responses: any }>>;
    };
    const draft = doc.paths['/api/bots/{botId}/flows/{flowId}/draft']!.put!.requestBody!.content['application/json']!.schema;
    expect(draft).toMatchObject({ type: 'object', additionalProperties: {} });
    expect(draft.properties).toBeUndefined();
    const version = doc.paths['/api/bots/{botId}/flows/{flowId}/versions/{version}']!.get!.responses['200'].content['application/json']
      .schema as Schema;
    expect(Object.keys(version.properties!.definition!.properties ?? {})).toEqual(expect.arrayContaining(['nodes', 'edges']));
  });

  it('documents draft revisions: ETag in the answers, If-Match / If-None-Match as parameters, 412 when they do not hold', async () => {
    type Operation = { parameters: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> };
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const flow = doc.paths['/api/bots/{botId}/flows/{flowId}']!.get!;
    const draft = doc.paths['/api/bots/{botId}/flows/{flowId}/draft']!.put!;
    const publish = doc.paths['/api/bots/{botId}/flows/{flowId}/publish']!.post!;
    expect(Object.keys(flow.responses['200']!.headers ?? {})).toEqual(['ETag']);
    expect(Object.keys(draft.responses['200']!.headers ?? {})).toEqual(['ETag']);
    expect(Object.keys(draft.responses['412']!.headers ?? {})).toEqual(['ETag']);
    const headerParameters = (op: Operation) => op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    expect(headerParameters(draft)).toEqual(['If-Match', 'If-None-Match']);
    expect(headerParameters(publish)).toEqual(['If-Match']);
    expect(Object.keys(publish.responses)).toContain('412');
  });

  it('refuses a malformed precondition with 400 naming the header, before anything is read or saved', async () => {
    const auth = { authorization: 'Bearer operator-token-0123456789', 'content-type': 'application/json' };
    // The stand-in database would throw if the handler ran.
    const put = (headers: Record<string, string>) =>
      fetch(`${base}/api/bots/1/flows/main/draft`, { method: 'PUT', headers: { ...auth, ...headers }, body: '{}' });
    const refusal = async (answer: Response) => ({
      status: answer.status,
      fields: ((await answer.json()) as { error: { details: { field: string }[] } }).error.details.map((d) => d.field),
    });
    for (const ifMatch of ['3', '"abc"', 'W/"3"', '"3", 4', '', '"3",,"4"'])
      expect({ ifMatch, ...(await refusal(await put({ 'if-match': ifMatch }))) }).toEqual({
        ifMatch,
        status: 400,
        fields: ['headers.if-match'],
      });
    const ifNoneMatch = { status: 400, fields: ['headers.if-none-match'] };
    expect(await refusal(await put({ 'if-none-match': '"3"' }))).toEqual(ifNoneMatch);
    expect(await refusal(await put({ 'if-match': '"3"', 'if-none-match': '*' }))).toEqual(ifNoneMatch);
    const publish = await fetch(`${base}/api/bots/1/flows/main/publish`, { method: 'POST', headers: { ...auth, 'if-match': 'nope' } });
    expect(await refusal(publish)).toEqual({ status: 400, fields: ['headers.if-match'] });
  });

  it('tells the signed-in token its role, and that no Temporal UI or simulator is known to this app', async () => {
    const answer = await fetch(`${base}/api/session`, { headers: { authorization: 'Bearer operator-token-0123456789' } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ role: 'operator', temporalUi: null, simulator: false });
  });

  it('parses input before the handler runs: a bad field is a 400 naming it, in the same shape as ever', async () => {
    const auth = { authorization: 'Bearer operator-token-0123456789' };
    // The stand-in Temporal client would throw if the handler ran.
    const badQuery = await fetch(`${base}/api/executions?limit=0`, { headers: auth });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ error: { code: 'invalid_request', details: [{ field: 'query.limit' }] } });
    const noKey = await fetch(`${base}/api/users/u1/credits`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 5 }),
    });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toEqual({
      error: {
        code: 'invalid_request',
        message: 'headers.idempotency-key: required, 1-128 characters of A-Z a-z 0-9 . _ : -',
        details: [{ field: 'headers.idempotency-key', message: 'required, 1-128 characters of A-Z a-z 0-9 . _ : -' }],
      },
    });
  });

  it('serves Swagger UI at /docs from its own files, pointed at /openapi.json, with no outside host', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/init.js']);
    const types: Record<string, string> = { css: 'text/css', js: 'text/javascript' };
    for (const asset of assets) {
      const answer = await fetch(`${base}${asset}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain(types[asset.split('.').at(-1)!]);
      expect((await answer.text()).length).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${base}/docs/assets/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect(`${html}\n${init}`).not.toMatch(/https?:\/\//);
    expect((await fetch(`${base}/docs/assets/..%2Fpackage.json`)).status).toBe(400);
  });

  it('serves /docs with a strict content security policy: scripts and styles of its own origin only, never framed', async () => {
    const page = await fetch(`${base}/docs`);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(html).not.toMatch(/<script>|<style>/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // Every answer is marked not to be sniffed, JSON included.
    expect((await fetch(`${base}/openapi.json`)).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
