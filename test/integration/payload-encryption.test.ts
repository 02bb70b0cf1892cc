import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { chatState } from '../../src/temporal/chat-messages';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../../src/temporal/payload-codec';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { testApiToken } from '../support/generation-system';
import { temporalAddress } from '../support/harness';

const keyA = { id: 'key-a', key: crypto.randomBytes(32) };
const keyB = { id: 'key-b', key: crypto.randomBytes(32) };
const keysVariable = (...keys: (typeof keyA)[]) => keys.map((k) => `${k.id}=${k.key.toString('base64')}`).join(',');
const readonlyToken = 'readonly-token-0123456789abcdef';
const uiOrigin = 'http://127.0.0.1:8233';

const dialogue = {
  variables: [{ name: 'name', scope: 'run', type: 'string' }],
  nodes: [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'ask', type: 'message.text', data: { text: 'Your name?' } },
    { id: 'name', type: 'wait.text', data: { variable: 'run.name' } },
    { id: 'hello', type: 'message.text', data: { text: 'Hello {{ run.name }}' } },
    { id: 'again', type: 'wait.text', data: { variable: 'run.name' } },
    { id: 'bye', type: 'message.text', data: { text: 'Bye {{ run.name }}' } },
    { id: 'rest', type: 'wait.text', data: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ask' },
    { id: 'e2', source: 'ask', target: 'name' },
    { id: 'e3', source: 'name', target: 'hello' },
    { id: 'e4', source: 'hello', target: 'again' },
    { id: 'e5', source: 'again', target: 'bye' },
    { id: 'e6', source: 'bye', target: 'rest' },
  ],
};

/** Every payload in a history (inputs, results, signals, markers, memos…), found by shape. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as { data?: unknown; metadata?: unknown };
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object')
    found.push(candidate as Payload);
  for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

const text = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
const keyIdsOf = (payloads: Payload[]) =>
  new Set(payloads.flatMap((p) => (p.metadata?.['encryption-key-id'] ? [Buffer.from(p.metadata['encryption-key-id']).toString()] : [])));

describe('payload encryption (TEMPORAL_PAYLOAD_KEYS)', () => {
  let system: ChatSystem;
  /** A client with no codec: what anyone reading Temporal's storage or the Web UI without the codec server sees. */
  let raw: Client;
  let rawConnection: Connection;
  beforeAll(async () => {
    system = await startChatSystem({
      flow: dialogue,
      worker: false,
      env: { TEMPORAL_PAYLOAD_KEYS: keysVariable(keyA), API_READONLY_TOKEN: readonlyToken, TEMPORAL_CODEC_CORS_ORIGINS: uiOrigin },
    });
    rawConnection = await Connection.connect({ address: temporalAddress() });
    raw = new Client({ connection: rawConnection, namespace: 'default' });
  });
  afterAll(async () => {
    await system.stop();
    await rawConnection.close();
  });

  /** The history as stored, serialized: the bytes Temporal keeps (payload data is raw bytes in it, not base64). */
  async function storedHistory(workflowId: string) {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    return { history, bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()), payloads: payloadsIn(history) };
  }

  const codecCall = (direction: 'decode' | 'encode', body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${system.baseUrl}/codec/${direction}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiToken}`, 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });

  it('keeps a chat working while its history holds no plaintext; keys rotate; the API and the codec endpoint decode', async () => {
    const first = await system.startWorker();
    const user = system.user({ firstName: `Wilhelmina${crypto.randomInt(1e6)}` });
    const name = `Zebulon-${crypto.randomBytes(4).toString('hex')}`;
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    user.sendText(name);
    await system.until(user.chatId, (t) => t.includes(`Hello ${name}`));
    const workflowId = chatWorkflowId(system.botId, user.chatId);

    // The executions API reads the chat through the codec: variables and steps as they are.
    const detail = await system.api('GET', `/api/executions/${workflowId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.chat.variables.run).toEqual({ name });
    expect(detail.body.steps.map((s: { nodeId: string | null }) => s.nodeId)).toEqual(expect.arrayContaining(['ask', 'name', 'hello']));

    const stored = await storedHistory(workflowId);
    for (const secret of [name, `Hello ${name}`, user.profile.first_name, 'Your name?'])
      expect([secret, stored.bytes.includes(Buffer.from(secret))]).toEqual([secret, false]);
    // The plaintext is there, encrypted: the codec finds it (so the search above looked where it is).
    const codecA = new AesGcmPayloadCodec([keyA]);
    const encrypted = stored.payloads.filter(
      (p) => p.metadata?.encoding && Buffer.from(p.metadata.encoding).toString() === 'binary/encrypted',
    );
    expect(text(await codecA.decode(encrypted))).toContain(name);
    expect(keyIdsOf(stored.payloads)).toEqual(new Set([keyA.id]));

    // The Web UI's codec server: a payload of the history, decoded for whoever holds an API token.
    const signal = stored.history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!;
    const signalPayload = signal.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
    const asJson = (p: Payload) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    });
    const decoded = await codecCall('decode', { payloads: [asJson(signalPayload)] }, { authorization: `Bearer ${readonlyToken}` });
    expect(decoded.status).toBe(200);
    const [plain] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(plain!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(plain!.data, 'base64').toString()).toContain('/start');
    // Encoding is the operator's; round trip through the endpoint.
    expect((await codecCall('encode', { payloads: [plain] }, { authorization: `Bearer ${readonlyToken}` })).status).toBe(403);
    const encoded = (await (await codecCall('encode', { payloads: [plain] })).json()) as { payloads: { data: string }[] };
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString('latin1')).not.toContain('/start');
    expect(((await (await codecCall('decode', encoded)).json()) as { payloads: unknown[] }).payloads).toEqual([plain]);
    expect((await codecCall('decode', { payloads: [plain] }, { authorization: 'Bearer wrong' })).status).toBe(401);
    // A browser on the configured Web UI origin may call it; another origin gets no CORS grant.
    const preflight = (origin: string) =>
      fetch(`${system.baseUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('X-Namespace');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    // Rotation: a fresh worker with key B current and A still listed replays the A history and goes on in B.
    first.shutdown();
    await first.done;
    const rotated = { payloadCodecs: [new AesGcmPayloadCodec([keyB, keyA])] };
    await system.startWorker(undefined, rotated);
    user.sendText('again');
    await system.until(user.chatId, (t) => t.includes('Bye again'));
    // The reply goes out from a local activity before its workflow task completes and is recorded:
    // read the history once that task (the first written with key B) is in it.
    let after = await storedHistory(workflowId);
    for (let tries = 0; tries < 100 && !keyIdsOf(after.payloads).has(keyB.id); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await storedHistory(workflowId);
    }
    expect(keyIdsOf(after.payloads)).toEqual(new Set([keyA.id, keyB.id]));
    expect(after.bytes.includes(Buffer.from('Bye again'))).toBe(false);

    // A process that lacks key B cannot read what B wrote, and says which key it needs.
    const onlyA = new Client({ connection: rawConnection, namespace: 'default', dataConverter: { payloadCodecs: [codecA] } });
    const refused = await onlyA.workflow
      .getHandle(workflowId)
      .query(chatState)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(PayloadDecryptionError);
    expect((refused as Error).message).toBe(
      `payload encrypted with key "${keyB.id}", which is not in TEMPORAL_PAYLOAD_KEYS (this process has ${keyA.id})`,
    );
    const bPayload = after.payloads.find(
      (p) => p.metadata?.['encryption-key-id'] && Buffer.from(p.metadata['encryption-key-id']).toString() === keyB.id,
    )!;
    const unknownKey = await codecCall('decode', { payloads: [asJson(bPayload)] });
    expect(unknownKey.status).toBe(400);
    expect(((await unknownKey.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'undecodable_payload',
      message: `payload encrypted with key "${keyB.id}", which is not in TEMPORAL_PAYLOAD_KEYS (this process has ${keyA.id})`,
    });
  });

  it('lets a browser signed in at /codec/session decode from the Web UI origin by cookie, never encode', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hi"').toString('base64') };
    const encoded = (await (await codecCall('encode', { payloads: [plain] })).json()) as { payloads: unknown[] };
    const signIn = (token: string) =>
      fetch(`${system.baseUrl}/codec/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    expect((await signIn('not-an-api-token')).status).toBe(401);
    // The read-only token may open a session: the session only decodes.
    const signedIn = await signIn(readonlyToken);
    expect(signedIn.status).toBe(204);
    const setCookie = signedIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^codec_session=v1\.\d+\.[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/codec; Max-Age=28800$/);
    const cookie = setCookie.split(';')[0]!;

    // What the Web UI sends with "include cross-origin credentials": no Authorization, the cookie, its Origin.
    const fromBrowser = (direction: 'decode' | 'encode', headers: Record<string, string>) =>
      fetch(`${system.baseUrl}/codec/${direction}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify(direction === 'decode' ? encoded : { payloads: [plain] }),
      });
    const decoded = await fromBrowser('decode', { cookie, origin: uiOrigin });
    expect(decoded.status).toBe(200);
    expect(((await decoded.json()) as { payloads: unknown[] }).payloads).toEqual([plain]);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    // Another origin may send the request (same site), but the browser is not allowed to read the answer.
    const foreign = await fromBrowser('decode', { cookie, origin: 'http://127.0.0.1:9999' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    // Without the cookie, or with a forged one: 401. Encoding never goes by cookie.
    expect((await fromBrowser('decode', { origin: uiOrigin })).status).toBe(401);
    expect((await fromBrowser('decode', { cookie: `${cookie.slice(0, -2)}xx`, origin: uiOrigin })).status).toBe(401);
    expect((await fromBrowser('encode', { cookie, origin: uiOrigin })).status).toBe(401);
    // The sign-in page is served with its CSP, and the routes are documented.
    const page = await fetch(`${system.baseUrl}/codec/session`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/);
    const openapi = (await (await fetch(`${system.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: unknown[] }>>;
    };
    expect(openapi.paths['/codec/decode']!.post!.security).toEqual([{ codecSession: [] }, { bearer: [] }]);
    expect(openapi.paths['/codec/encode']!.post!.security).toEqual([{ bearer: [] }]);
    expect(openapi.paths['/codec/session']!.post).toBeDefined();
  });

  it("keeps a generation's prompt and result out of its history, and the executions API shows its timeline", async () => {
    const userId = await system.userWith(200);
    const prompt = `a story about the lighthouse keeper ${crypto.randomBytes(4).toString('hex')}`;
    const job = await system.api(
      'POST',
      '/api/generations',
      { userId, kind: 'story', prompt },
      { 'idempotency-key': `enc-${prompt.slice(-8)}` },
    );
    expect(job.status).toBe(202);
    expect((await system.settled(job.body.id)).status).toBe('completed');
    const stored = await storedHistory(job.body.id);
    expect(stored.bytes.includes(Buffer.from(prompt))).toBe(false);
    expect(stored.bytes.includes(Buffer.from('lighthouse'))).toBe(false);
    expect(text(await new AesGcmPayloadCodec([keyB, keyA]).decode(stored.payloads))).toContain(prompt);
    const detail = await system.api('GET', `/api/executions/${encodeURIComponent(job.body.id)}`);
    expect(detail.body).toMatchObject({ type: 'generationWorkflow', status: 'completed', job: { prompt } });
    expect(detail.body.steps.at(-1).kind).toBe('completed');
  });
});
