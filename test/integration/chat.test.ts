import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { chatStates } from '../../src/db/schema';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatEvent, chatState } from '../../src/temporal/chat-messages';
import { startChatSystem, webhookSecret, type ChatSystem } from '../support/chat-system';
import { runWorkerProcess } from '../support/system-process';
import { testApiToken } from '../support/generation-system';
import { edge, flow } from '../support/flow-json';

/** /start shows a menu; every press of "count" adds one and says the total. */
const counterFlow = flow(
  [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    {
      id: 'menu',
      type: 'message.text',
      data: { text: 'Menu', keyboard: { type: 'inline', rows: [[{ text: 'Count', callbackData: 'count' }]] } },
    },
    { id: 'pressed', type: 'trigger.callback', data: { data: 'count', toast: 'Counted' } },
    { id: 'add', type: 'action.set', data: { variable: 'chat.clicks', op: 'increment', value: '1' } },
    { id: 'say', type: 'message.text', data: { text: 'click {{ chat.clicks }}' } },
  ],
  [edge('start', 'menu'), edge('pressed', 'add'), edge('add', 'say')],
  { variables: [{ name: 'clicks', scope: 'chat', type: 'number', default: 0 }] },
);

describe('a chat is one workflow (callback race)', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    // Telegram's per-chat pace (about 1 message/s after a burst) is raised here to keep the run short.
    system = await startChatSystem({ flow: counterFlow, env: { TELEGRAM_CHAT_RATE_PER_SECOND: '20' } });
  });
  afterAll(() => system.stop());

  it('answers 20 clicks sent back-to-back, every one, in order, in one execution', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Menu'));
    const runId = (await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).describe()).runId;

    const presses = Array.from({ length: 20 }, () => user.pressButton('count'));
    const texts = await system.until(user.chatId, (t) => t.length === 21);
    expect(texts).toEqual(['Menu', ...Array.from({ length: 20 }, (_, i) => `click ${i + 1}`)]);
    for (const press of presses) {
      expect(system.emulator.callbackAnswers(press.callback_query.id)).toEqual([expect.objectContaining({ text: 'Counted' })]);
    }
    const execution = await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).describe();
    expect(execution.runId).toBe(runId);
    expect(execution.status.name).toBe('RUNNING');
  });

  it('keeps chats apart: two users count separately', async () => {
    const [a, b] = [system.user(), system.user()];
    a.sendText('/start');
    b.sendText('/start');
    await system.until(a.chatId, (t) => t.includes('Menu'));
    await system.until(b.chatId, (t) => t.includes('Menu'));
    a.pressButton('count');
    a.pressButton('count');
    b.pressButton('count');
    expect(await system.until(a.chatId, (t) => t.length === 3)).toEqual(['Menu', 'click 1', 'click 2']);
    expect(await system.until(b.chatId, (t) => t.length === 2)).toEqual(['Menu', 'click 1']);
  });
});

describe('no context is lost', () => {
  let stub: http.Server;
  let stubUrl: string;
  beforeAll(async () => {
    // A slow API: answers after 3 s, like the booking system of the field report.
    stub = http.createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ slot: '10:00' })), 3_000);
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/slots`;
  });
  afterAll(() => new Promise((resolve) => stub.close(resolve)));

  it('a second message sent while the first is processed is handled after it and sees its variables', async () => {
    const booking = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/book' } },
        { id: 'ask', type: 'message.text', data: { text: 'Which service?' } },
        { id: 'service', type: 'wait.text', data: { variable: 'run.service' } },
        {
          id: 'lookup',
          type: 'action.http',
          data: { url: stubUrl, saveResponse: [{ variable: 'run.slot', value: 'response.body.slot' }] },
        },
        { id: 'offer', type: 'message.text', data: { text: '{{ run.service }} at {{ run.slot }}. Your name?' } },
        { id: 'name', type: 'wait.text', data: { variable: 'run.name' } },
        { id: 'done', type: 'message.text', data: { text: 'Booked {{ run.service }} at {{ run.slot }} for {{ run.name }}' } },
        { id: 'failed', type: 'message.text', data: { text: 'Booking system unavailable' } },
      ],
      [
        edge('start', 'ask'),
        edge('ask', 'service'),
        edge('service', 'lookup'),
        edge('lookup', 'offer', 'success'),
        edge('lookup', 'failed', 'error'),
        edge('offer', 'name'),
        edge('name', 'done'),
      ],
      {
        variables: [
          { name: 'service', scope: 'run', type: 'string' },
          { name: 'slot', scope: 'run', type: 'string' },
          { name: 'name', scope: 'run', type: 'string' },
        ],
      },
    );
    const system = await startChatSystem({ flow: booking });
    try {
      const user = system.user();
      user.sendText('/book');
      await system.until(user.chatId, (t) => t.includes('Which service?'));
      user.sendText('beard and head');
      user.sendText('Anna'); // sent while the HTTP call for the first answer is still waiting
      const texts = await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Booked')));
      expect(texts).toEqual(['Which service?', 'beard and head at 10:00. Your name?', 'Booked beard and head at 10:00 for Anna']);
    } finally {
      await system.stop();
    }
  });

  it('merges quick messages into one input within the debounce window', async () => {
    const echo = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'ask', type: 'message.text', data: { text: 'Tell me' } },
        { id: 'input', type: 'wait.text', data: { variable: 'run.said' } },
        { id: 'echo', type: 'message.text', data: { text: 'You said: {{ run.said }}' } },
      ],
      [edge('start', 'ask'), edge('ask', 'input'), edge('input', 'echo')],
      { settings: { debounceMs: 1_500 }, variables: [{ name: 'said', scope: 'run', type: 'string' }] },
    );
    const system = await startChatSystem({ flow: echo });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Tell me'));
      user.sendText('one');
      user.sendText('two');
      user.sendText('three');
      const texts = await system.until(user.chatId, (t) => t.length === 2);
      expect(texts[1]).toBe('You said: one\ntwo\nthree');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(system.botTexts(user.chatId)).toHaveLength(2);
    } finally {
      await system.stop();
    }
  });
});

describe('waits and timers', () => {
  it('a wait with a 2 s timeout takes its timeout branch with no further message', async () => {
    const reminder = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'ask', type: 'message.text', data: { text: 'Your name?' } },
        { id: 'name', type: 'wait.text', data: { variable: 'run.name', timeoutMs: 2_000 } },
        { id: 'hello', type: 'message.text', data: { text: 'Hello {{ run.name }}' } },
        { id: 'nudge', type: 'message.text', data: { text: 'Still there?' } },
      ],
      [edge('start', 'ask'), edge('ask', 'name'), edge('name', 'hello'), edge('name', 'nudge', 'timeout')],
      { variables: [{ name: 'name', scope: 'run', type: 'string' }] },
    );
    const system = await startChatSystem({ flow: reminder });
    try {
      const user = system.user();
      user.sendText('/start');
      expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual(['Your name?', 'Still there?']);
    } finally {
      await system.stop();
    }
  });
});

describe('the webhook', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: counterFlow, mode: 'webhook' });
  });
  afterAll(() => system.stop());

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${system.baseUrl}/telegram/${system.botId}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('is registered with Telegram with its secret, and handles an update delivered twice once', async () => {
    const registration = system.emulator.calls({ method: 'setWebhook' })[0];
    expect(registration?.params).toMatchObject({ url: `${system.baseUrl}/telegram/${system.botId}/webhook`, secret_token: webhookSecret });
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Menu'));
    const press = user.pressButton('count');
    await system.until(user.chatId, (t) => t.length === 2);
    await system.emulator.redeliver(Number(system.botId), press.update_id);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(system.botTexts(user.chatId)).toEqual(['Menu', 'click 1']);
  });

  it('refuses a forged update with one answer for no secret, a wrong one and an unknown bot, and starts nothing', async () => {
    const update = JSON.stringify({
      update_id: 999_001,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 4242, type: 'private' },
        from: { id: 4242, is_bot: false, first_name: 'Eve' },
        text: '/start',
      },
    });
    const answer = async (response: Response) => ({ status: response.status, body: await response.text() });
    const unknownBot = (headers: Record<string, string>) =>
      fetch(`${system.baseUrl}/telegram/999999999/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: update,
      });
    const wrongSecret = await answer(await post(update, { 'x-telegram-bot-api-secret-token': 'guess' }));
    expect(wrongSecret.status).toBe(401);
    expect(await answer(await post(update, {}))).toEqual(wrongSecret);
    expect(await answer(await unknownBot({ 'x-telegram-bot-api-secret-token': 'guess' }))).toEqual(wrongSecret);
    expect(await answer(await unknownBot({ 'x-telegram-bot-api-secret-token': webhookSecret }))).toEqual(wrongSecret);
    expect(await answer(await unknownBot({}))).toEqual(wrongSecret);
    // The header is checked before the body is read: an oversized body without it is not a 413.
    expect((await post(`{"pad":"${'x'.repeat(2_000_000)}"}`, {})).status).toBe(401);
    await expect(system.client.workflow.getHandle(chatWorkflowId(system.botId, 4242)).describe()).rejects.toThrow(/not found/i);
  });

  it('keeps the secret out of the database: its hash and a ciphertext only', async () => {
    const { rows } = await system.db.$client.query('select * from bots where id = $1', [system.botId]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(webhookSecret);
    expect(rows[0].webhook_secret_hash).toBe(crypto.createHash('sha256').update(webhookSecret).digest('hex'));
    expect(rows[0]).not.toHaveProperty('webhook_secret');
  });

  it('answers malformed JSON and a body that is not an update with 400', async () => {
    const headers = { 'x-telegram-bot-api-secret-token': webhookSecret };
    expect((await post('{"update_id": ', headers)).status).toBe(400);
    const notAnUpdate = await post(JSON.stringify({ hello: 'world' }), headers);
    expect(notAnUpdate.status).toBe(400);
    expect((await notAnUpdate.json()) as unknown).toMatchObject({ error: { code: 'malformed_update' } });
  });

  it('refuses updates as soon as the bot is disabled, cached secret or not', async () => {
    const headers = { 'x-telegram-bot-api-secret-token': webhookSecret };
    expect((await post(JSON.stringify({ hello: 'world' }), headers)).status).toBe(400);
    expect((await system.api('POST', `/api/bots/${system.botId}/disable`)).status).toBe(200);
    expect((await post(JSON.stringify({ hello: 'world' }), headers)).status).toBe(401);
  });
});

describe('Telegram refusing sends', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: counterFlow });
  });
  afterAll(() => system.stop());

  it('a 429 is retried after retry_after, and the reply still arrives', async () => {
    const user = system.user();
    system.emulator.failNext(Number(system.botId), 'sendMessage', { errorCode: 429, retryAfter: 2 }, 1, { chatId: user.chatId });
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('Menu'));
    const calls = system.emulator.calls({ method: 'sendMessage', chatId: user.chatId });
    expect(calls.map((c) => c.response.ok)).toEqual([false, true]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_000);
  });

  it('a 403 (blocked by the user) marks the chat blocked and ends its workflow', async () => {
    const user = system.user();
    system.emulator.failNext(
      Number(system.botId),
      'sendMessage',
      { errorCode: 403, description: 'Forbidden: bot was blocked by the user' },
      1,
      { chatId: user.chatId },
    );
    user.sendText('/start');
    await system.emulator.waitFor({ method: 'sendMessage', chatId: user.chatId });
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    await expect(handle.result()).resolves.toBeUndefined();
    const [state] = await system.db
      .select()
      .from(chatStates)
      .where(and(eq(chatStates.botId, system.botId), eq(chatStates.chatId, String(user.chatId))));
    expect(state?.blockedAt).toBeInstanceOf(Date);
    expect(system.emulator.calls({ method: 'sendMessage', chatId: user.chatId })).toHaveLength(1);
  });
});

describe('publishing a new flow version', () => {
  it('lets a waiting conversation finish on its version while a new /start uses the new one', async () => {
    const version = (label: string) =>
      flow(
        [
          { id: 'start', type: 'trigger.command', data: { command: '/start' } },
          { id: 'ask', type: 'message.text', data: { text: `${label}: your name?` } },
          { id: 'name', type: 'wait.text', data: { variable: 'run.name' } },
          { id: 'bye', type: 'message.text', data: { text: `${label}: bye {{ run.name }}` } },
        ],
        [edge('start', 'ask'), edge('ask', 'name'), edge('name', 'bye')],
        { variables: [{ name: 'name', scope: 'run', type: 'string' }] },
      );
    const system = await startChatSystem({ flow: version('v1') });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('v1: your name?'));
      await system.publish(version('v2'));
      user.sendText('Ann');
      await system.until(user.chatId, (t) => t.includes('v1: bye Ann'));
      user.sendText('/start');
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual(['v1: your name?', 'v1: bye Ann', 'v2: your name?']);
    } finally {
      await system.stop();
    }
  });
});

describe('a version published or activated through the API, with the webhook', () => {
  it('is what the very next update runs (the webhook’s cached bot carries the version to the chat)', async () => {
    const version = (label: string) =>
      flow(
        [
          { id: 'start', type: 'trigger.command', data: { command: '/start' } },
          { id: 'hello', type: 'message.text', data: { text: `${label}: hello` } },
        ],
        [edge('start', 'hello')],
      );
    const system = await startChatSystem({ flow: version('v1'), mode: 'webhook' });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.length === 1);
      const published = await system.api('POST', `/api/bots/${system.botId}/flows/main/publish`, version('v2'));
      expect(published.status).toBe(201);
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.length === 2);
      const activated = await system.api('POST', `/api/bots/${system.botId}/flows/main/versions/1/activate`);
      expect(activated.status).toBe(200);
      user.sendText('/start');
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual(['v1: hello', 'v2: hello', 'v1: hello']);
    } finally {
      await system.stop();
    }
  });
});

describe('flood control', () => {
  it('drops a flooding user’s excess with one polite notice, answering every press, while others are served', async () => {
    const system = await startChatSystem({ flow: counterFlow, env: { FLOOD_LIMIT_PER_MINUTE: '5', TELEGRAM_CHAT_RATE_PER_SECOND: '20' } });
    try {
      const flooder = system.user();
      flooder.sendText('/start');
      await system.until(flooder.chatId, (t) => t.includes('Menu'));
      const presses = Array.from({ length: 10 }, () => flooder.pressButton('count'));
      const texts = await system.until(flooder.chatId, (t) => t.includes('You are sending messages too fast. Please wait a minute.'));
      await system.emulator.waitFor(
        (call) => call.method === 'answerCallbackQuery' && call.params.callback_query_id === presses[9]!.callback_query.id,
      );
      expect(system.botTexts(flooder.chatId)).toEqual([
        'Menu',
        'click 1',
        'click 2',
        'click 3',
        'click 4',
        'You are sending messages too fast. Please wait a minute.',
      ]);
      expect(texts.filter((t) => t.startsWith('You are sending')).length).toBe(1);
      for (const press of presses) expect(system.emulator.callbackAnswers(press.callback_query.id)).toHaveLength(1);

      const calm = system.user();
      calm.sendText('/start');
      await system.until(calm.chatId, (t) => t.includes('Menu'));
      calm.pressButton('count');
      expect(await system.until(calm.chatId, (t) => t.length === 2)).toEqual(['Menu', 'click 1']);
      const metrics = await (await fetch(`${system.baseUrl}/metrics`, { headers: { authorization: `Bearer ${testApiToken}` } })).text();
      expect(metrics).toMatch(/chat_events_total\{event="flood_dropped"\} 6/);
      expect(metrics).toMatch(
        new RegExp(`flow_node_executions_total\\{bot="${system.botId}",node_type="message.text",result="ok"\\} \\d+`),
      );
    } finally {
      await system.stop();
    }
  });
});

describe('a worker killed in the middle of a conversation', () => {
  it('is replaced, and the next message continues the dialogue where it was', async () => {
    const dialogue = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'ask-name', type: 'message.text', data: { text: 'Your name?' } },
        { id: 'name', type: 'wait.text', data: { variable: 'run.name' } },
        { id: 'ask-city', type: 'message.text', data: { text: 'Hi {{ run.name }}, your city?' } },
        { id: 'city', type: 'wait.text', data: { variable: 'run.city' } },
        { id: 'done', type: 'message.text', data: { text: '{{ run.name }} from {{ run.city }}' } },
      ],
      [edge('start', 'ask-name'), edge('ask-name', 'name'), edge('name', 'ask-city'), edge('ask-city', 'city'), edge('city', 'done')],
      {
        variables: [
          { name: 'name', scope: 'run', type: 'string' },
          { name: 'city', scope: 'run', type: 'string' },
        ],
      },
    );
    const system = await startChatSystem({ flow: dialogue, worker: false });
    const startWorker = () => runWorkerProcess(system);
    let worker = await startWorker();
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Your name?'));
      user.sendText('Ann');
      await system.until(user.chatId, (t) => t.includes('Hi Ann, your city?'));
      // Kill it while the chat waits for the next message, once the workflow task that sent the
      // question is recorded. (Killed in the instant between a send and that record, the worker
      // would leave the send to be repeated: sends are at least once; Telegram has no
      // idempotency key to make them exactly once.)
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      for (let i = 0; i < 100; i++) {
        const { raw } = await handle.describe();
        if (!raw.pendingWorkflowTask && (await handle.query(chatState)).currentNode === 'city') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await startWorker();
      user.sendText('Paris');
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual(['Your name?', 'Hi Ann, your city?', 'Ann from Paris']);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await system.stop();
    }
  });
});

describe('external events', () => {
  it('an event delivered twice with the same id runs its trigger once', async () => {
    const events = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'hello', type: 'message.text', data: { text: 'Hello' } },
        { id: 'shipped', type: 'trigger.event', data: { name: 'order_shipped' } },
        { id: 'tell', type: 'message.text', data: { text: 'Order {{ event.payload.order }} shipped' } },
      ],
      [edge('start', 'hello'), edge('shipped', 'tell')],
    );
    const system = await startChatSystem({ flow: events });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Hello'));
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      const event = { name: 'order_shipped', payload: { order: 'A-17' }, eventId: 'evt-1' };
      await handle.signal(chatEvent, event);
      await handle.signal(chatEvent, event);
      await system.until(user.chatId, (t) => t.includes('Order A-17 shipped'));
      expect((await handle.query(chatState)).queued).toBe(0);
      expect(system.botTexts(user.chatId)).toEqual(['Hello', 'Order A-17 shipped']);
    } finally {
      await system.stop();
    }
  });
});

describe('long conversations', () => {
  it('continue as new when Temporal suggests it, carrying the chat’s state, with no update lost', async () => {
    // The test server suggests continue-as-new after 200 events (test/support/global-setup.ts).
    const system = await startChatSystem({ flow: counterFlow, env: { TELEGRAM_CHAT_RATE_PER_SECOND: '50', TELEGRAM_CHAT_BURST: '50' } });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Menu'));
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; i < 80; i++) user.pressButton('count');
      const texts = await system.until(user.chatId, (t) => t.length === 81, 60_000);
      expect(texts.slice(1)).toEqual(Array.from({ length: 80 }, (_, i) => `click ${i + 1}`));
      // The suggestion comes with the next workflow task (the burst above ran in a few long
      // ones); the workflow continues as new after handling that task's input.
      user.pressButton('count');
      await system.until(user.chatId, (t) => t.at(-1) === 'click 81');
      for (let i = 0; i < 50 && (await handle.describe()).runId === firstRun; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await handle.describe();
      expect(now.runId).not.toBe(firstRun);
      expect(now.status.name).toBe('RUNNING');
      expect((await handle.query(chatState)).variables.chat).toEqual({ clicks: 81 });
      user.pressButton('count');
      await system.until(user.chatId, (t) => t.at(-1) === 'click 82');
    } finally {
      await system.stop();
    }
  });
});
