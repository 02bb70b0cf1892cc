import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { testApiToken } from '../support/generation-system';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

const dialogue = {
  variables: [
    { name: 'name', scope: 'run', type: 'string' },
    { name: 'apiToken', scope: 'chat', type: 'string', default: 'sk-very-secret' },
  ],
  nodes: [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'set-token', type: 'action.set', data: { variable: 'chat.apiToken', value: '"sk-very-secret"' } },
    { id: 'ask', type: 'message.text', data: { text: 'Your name?' } },
    { id: 'name', type: 'wait.text', data: { variable: 'run.name' } },
    { id: 'hello', type: 'message.text', data: { text: 'Hello {{ run.name }}' } },
    { id: 'again', type: 'wait.text', data: {} },
  ],
  edges: [
    { id: 'e0', source: 'start', target: 'set-token' },
    { id: 'e1', source: 'set-token', target: 'ask' },
    { id: 'e2', source: 'ask', target: 'name' },
    { id: 'e3', source: 'name', target: 'hello' },
    { id: 'e4', source: 'hello', target: 'again' },
  ],
};

interface SseEvent {
  id: number;
  data: { seq: number; kind: string; nodeId: string | null; detail: string };
}

/** Reads Server-Sent Events until `count` arrived (or the deadline passes), then disconnects. */
async function readEvents(url: string, count: number, lastEventId?: number): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${testApiToken}`, ...(lastEventId ? { 'last-event-id': String(lastEventId) } : {}) },
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + 20_000;
  while (events.length < count && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += Buffer.from(value).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id: Number(id), data: JSON.parse(data) as SseEvent['data'] });
    }
  }
  controller.abort();
  return events;
}

describe('executions through the API', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: dialogue, env: { API_MAX_STREAMS_PER_TOKEN: '2' } });
  });
  afterAll(() => system.stop());

  async function listUntil(query: string, done: (items: { workflowId: string }[]) => boolean) {
    for (let i = 0; i < 100; i++) {
      const page = await system.api('GET', `/api/executions?${query}`);
      if (page.status === 200 && done(page.body.items)) return page.body;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`listing ${query} never matched`);
  }

  it('lists chats by bot with cursor pagination, as Temporal visibility sees them', async () => {
    const [a, b] = [system.user(), system.user()];
    a.sendText('/start');
    b.sendText('/start');
    await system.until(a.chatId, (t) => t.includes('Your name?'));
    await system.until(b.chatId, (t) => t.includes('Your name?'));
    const ids = [chatWorkflowId(system.botId, a.chatId), chatWorkflowId(system.botId, b.chatId)];
    await listUntil(`type=chat&bot=${system.botId}`, (items) => ids.every((id) => items.some((i) => i.workflowId === id)));

    const first = await system.api('GET', `/api/executions?type=chat&bot=${system.botId}&status=running&limit=1`);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({ type: 'chat', status: 'running', botId: system.botId });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await system.api(
      'GET',
      `/api/executions?type=chat&bot=${system.botId}&status=running&limit=1&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(new Set([first.body.items[0].workflowId, second.body.items[0].workflowId])).toEqual(new Set(ids));
  });

  it('refuses bad filters, naming the field', async () => {
    expect((await system.api('GET', '/api/executions?limit=500')).body.error.details[0].field).toBe('query.limit');
    expect((await system.api('GET', "/api/executions?bot=1' OR '1'='1")).body.error.details[0].field).toBe('query.bot');
    expect((await system.api('GET', '/api/executions/chat:none:none')).status).toBe(404);
  });

  it('shows a chat in detail: waiting node, variables with secrets redacted, and its steps', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    const detail = await system.api('GET', `/api/executions/${chatWorkflowId(system.botId, user.chatId)}`);
    expect(detail.body).toMatchObject({ type: 'chatWorkflow', status: 'running', chat: { status: 'waiting', currentNode: 'name' } });
    expect(detail.body.chat.variables.chat).toEqual({ apiToken: '[redacted]' });
    expect(detail.body.steps.map((s: { kind: string; nodeId: string | null }) => `${s.kind}:${s.nodeId ?? ''}`)).toEqual([
      'input:',
      'node:set-token',
      'node:ask',
      'node:name',
    ]);
    expect(JSON.stringify(detail.body)).not.toContain('sk-very-secret');
  });

  it('streams steps live over SSE, and a reconnect with Last-Event-ID continues exactly after', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    const url = `${system.baseUrl}/api/executions/${chatWorkflowId(system.botId, user.chatId)}/stream`;
    const firstBatch = await readEvents(url, 4);
    expect(firstBatch.map((e) => e.id)).toEqual([1, 2, 3, 4]);

    const live = readEvents(url, 3, 4);
    user.sendText('Ann');
    const next = await live;
    expect(next.map((e) => e.id)).toEqual([5, 6, 7]);
    expect(next.map((e) => `${e.data.kind}:${e.data.nodeId ?? ''}`)).toEqual(['input:', 'node:hello', 'node:again']);
  });

  it('caps the live streams one token holds open: 429 with Retry-After past the cap, a slot again once one closes', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    const url = `${system.baseUrl}/api/executions/${chatWorkflowId(system.botId, user.chatId)}/stream`;
    const open = () => {
      const controller = new AbortController();
      return fetch(url, { headers: { authorization: `Bearer ${testApiToken}` }, signal: controller.signal }).then((response) => ({
        response,
        close: () => controller.abort(),
      }));
    };
    const first = await open();
    const second = await open();
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.response.status).toBe(429);
    expect(third.response.headers.get('retry-after')).toBe('5');
    expect(((await third.response.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    first.close();
    let again = await open();
    for (let i = 0; i < 50 && again.response.status === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await open();
    }
    expect(again.response.status).toBe(200);
    second.close();
    again.close();
  });

  it('restarts a chat from a chosen node', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    user.sendText('Bo');
    await system.until(user.chatId, (t) => t.includes('Hello Bo'));
    const restarted = await system.api('POST', `/api/executions/${chatWorkflowId(system.botId, user.chatId)}/restart`, { fromNode: 'ask' });
    expect(restarted.status).toBe(202);
    await system.until(user.chatId, (t) => t.length === 3 && t[2] === 'Your name?');
    user.sendText('Cy');
    expect(await system.until(user.chatId, (t) => t.length === 4)).toEqual(['Your name?', 'Hello Bo', 'Your name?', 'Hello Cy']);
  });

  it('cancels a chat execution', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Your name?'));
    const id = chatWorkflowId(system.botId, user.chatId);
    expect((await system.api('POST', `/api/executions/${id}/cancel`)).status).toBe(202);
    await expect(system.client.workflow.getHandle(id).result()).rejects.toThrow();
    expect((await system.api('GET', `/api/executions/${id}`)).body.status).toBe('cancelled');
    expect((await system.api('POST', `/api/executions/${id}/cancel`)).status).toBe(409);
  });

  it('shows a failed generation with its timeline, and restarts it as a new job', async () => {
    const userId = await system.userWith(200);
    const job = await system.api(
      'POST',
      '/api/generations',
      { userId, kind: 'story', prompt: 'sometimes [fail]' },
      { 'idempotency-key': 'gen-1' },
    );
    await system.settled(job.body.id);
    const detail = await system.api('GET', `/api/executions/${encodeURIComponent(job.body.id)}`);
    expect(detail.body).toMatchObject({
      type: 'generationWorkflow',
      status: 'completed',
      userId,
      kind: 'story',
      job: { status: 'failed' },
    });
    expect(detail.body.steps.map((s: { kind: string }) => s.kind)).toEqual(
      expect.arrayContaining(['activity-scheduled', 'activity-failed', 'completed']),
    );
    const restarted = await system.api('POST', `/api/executions/${encodeURIComponent(job.body.id)}/restart`, {});
    expect(restarted.status).toBe(202);
    expect(restarted.body.job.id).not.toBe(job.body.id);
    expect((await system.settled(restarted.body.job.id)).status).toBe('failed');
  });
});
