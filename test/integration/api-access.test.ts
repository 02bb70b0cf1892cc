import crypto from 'node:crypto';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

const readonlyToken = 'readonly-token-0123456789abcdef';

/**
 * Access rules, checked over every route the OpenAPI document lists (so a new route is covered
 * the day it is added), and secrets, checked over everything the service answered and logged.
 */
describe('API access and secrets', () => {
  const logLines: string[] = [];
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({
      flow: {
        nodes: [
          { id: 'start', type: 'trigger.command', data: { command: '/start' } },
          { id: 'hi', type: 'message.text', data: { text: 'hi' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'hi' }],
      },
      // Every route is tried with a wrong token: more guesses than a client is normally allowed.
      env: { API_READONLY_TOKEN: readonlyToken, API_AUTH_FAILURES_PER_MINUTE: '10000' },
      logLines,
    });
  });
  afterAll(() => system.stop());

  async function operations(): Promise<{ method: string; path: string; auth: boolean }[]> {
    const doc = (await (await fetch(`${system.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: unknown[] }>>;
    };
    return Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, '1'),
        auth: op.security.length > 0,
      })),
    );
  }
  const call = (method: string, path: string, token?: string) =>
    fetch(`${system.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: method === 'GET' ? undefined : '{}',
    });

  it('every /api route answers 401 without a token and with a wrong one', async () => {
    const ops = (await operations()).filter((op) => op.auth);
    expect(ops.length).toBeGreaterThan(25);
    for (const op of ops) {
      expect({ op, status: (await call(op.method, op.path)).status }).toEqual({ op, status: 401 });
      expect({ op, status: (await call(op.method, op.path, 'not-a-token-at-all')).status }).toEqual({ op, status: 401 });
    }
  });

  // A POST that only reads: decoding payloads for the Web UI (its body is the payloads to decode).
  const postsThatRead = new Set(['POST /codec/decode']);

  it('the read-only token may read every /api route and change none (403)', async () => {
    for (const op of (await operations()).filter((o) => o.auth)) {
      const status = (await call(op.method, op.path, readonlyToken)).status;
      if (op.method === 'GET' || postsThatRead.has(`${op.method} ${op.path}`))
        expect({ op, status: [401, 403].includes(status) }).toEqual({ op, status: false });
      else expect({ op, status }).toEqual({ op, status: 403 });
    }
  });

  it('never shows a bot token in a response or a log line', async () => {
    const token = `${crypto.randomInt(100_000_000, 999_999_999)}:${crypto.randomBytes(27).toString('base64url').slice(0, 35)}`;
    const secret = token.split(':')[1]!;
    const id = String(system.emulator.createBot({ token }).id);
    const bodies = [
      await system.api('POST', '/api/bots', { token }),
      await system.api('GET', '/api/bots'),
      await system.api('GET', `/api/bots/${id}`),
      await system.api('PATCH', `/api/bots/${id}`, { mode: 'webhook' }),
      await system.api('POST', '/api/bots', { token: `${token.split(':')[0]}:${'y'.repeat(35)}` }),
    ];
    const user = system.emulator.user(Number(id));
    await system.api('PATCH', `/api/bots/${id}`, { mode: 'polling' });
    await system.api('PUT', `/api/bots/${id}/flows/main/draft`, {
      nodes: [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'hi', type: 'message.text', data: { text: 'hello' } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'hi' }],
    });
    await system.api('POST', `/api/bots/${id}/flows/main/publish`);
    user.sendText('/start');
    for (let i = 0; i < 100 && user.messages().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(user.messages()).toHaveLength(2);
    expect(logLines.length).toBeGreaterThan(10);
    expect(JSON.stringify(bodies)).not.toContain(secret);
    expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
  });
});
