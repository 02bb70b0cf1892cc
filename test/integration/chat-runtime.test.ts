import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { chatStates, creditLedger, generationJobs } from '../../src/db/schema';
import { createFakeProvider } from '../../src/generation/fake-provider';
import { registry } from '../../src/metrics';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatState, chatSteps } from '../../src/temporal/chat-messages';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { runWorkerProcess } from '../support/system-process';
import { edge, flow } from '../support/flow-json';

const greeter = flow(
  [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'hello', type: 'message.text', data: { text: 'Hello {{ from.firstName }}' } },
    { id: 'shipped', type: 'trigger.event', data: { name: 'order_shipped' } },
    { id: 'tell', type: 'message.text', data: { text: 'Order {{ event.payload.order }} shipped' } },
  ],
  [edge('start', 'hello'), edge('shipped', 'tell')],
);

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric as { values?: { value: number; labels: Record<string, string> }[] } | undefined)?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

async function blockedAt(system: ChatSystem, chatId: number): Promise<Date | null | undefined> {
  const [row] = await system.db
    .select({ blockedAt: chatStates.blockedAt })
    .from(chatStates)
    .where(and(eq(chatStates.botId, system.botId), eq(chatStates.chatId, String(chatId))));
  return row?.blockedAt;
}

describe('blocked and back', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: greeter });
  });
  afterAll(() => system.stop());

  it('a user who blocks the bot ends the chat; unblocking and /start gets an answer again', async () => {
    const user = system.user({ firstName: 'Bea' });
    const unblockedBefore = await counterValue('chat_events_total', { event: 'chat_unblocked' });
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.length === 1);
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));

    user.blockBot();
    await expect(handle.result()).resolves.toBeUndefined();
    expect(await blockedAt(system, user.chatId)).toBeInstanceOf(Date);

    user.unblockBot();
    user.sendText('/start');
    expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual(['Hello Bea', 'Hello Bea']);
    expect(await blockedAt(system, user.chatId)).toBeNull();
    expect(await counterValue('chat_events_total', { event: 'chat_unblocked' })).toBe(unblockedBefore + 1);
  });

  it('a user whose block was only learnt from a 403 is answered again when they write', async () => {
    const user = system.user({ firstName: 'Cid' });
    system.emulator.failNext(
      Number(system.botId),
      'sendMessage',
      { errorCode: 403, description: 'Forbidden: bot was blocked by the user' },
      1,
      { chatId: user.chatId },
    );
    user.sendText('/start');
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    await system.emulator.waitFor({ method: 'sendMessage', chatId: user.chatId });
    await expect(handle.result()).resolves.toBeUndefined();
    expect(await blockedAt(system, user.chatId)).toBeInstanceOf(Date);

    // No my_chat_member this time (Telegram sends none for a user who never unblocked): the message itself is the sign.
    user.sendText('/start');
    expect(await system.until(user.chatId, (t) => t.length === 1)).toEqual(['Hello Cid']);
  });

  it('a blocked chat that hears nothing from its user stays at rest: a stray block notice starts nothing', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.length === 1);
    user.blockBot();
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    await handle.result();
    const blockedRun = (await handle.describe()).runId;
    user.blockBot();
    // The notice starts a run (signal-with-start), which finds the chat blocked and ends at once.
    for (let i = 0; i < 100 && (await handle.describe()).runId === blockedRun; i++) await new Promise((r) => setTimeout(r, 50));
    const noticeRun = await handle.describe();
    expect(noticeRun.runId).not.toBe(blockedRun);
    await expect(handle.result()).resolves.toBeUndefined();
    expect(await blockedAt(system, user.chatId)).toBeInstanceOf(Date);
    expect(system.emulator.calls({ method: 'sendMessage', chatId: user.chatId }).filter((c) => c.response.ok)).toHaveLength(1);
  });

  it('an operator can restart a blocked chat through the API', async () => {
    const user = system.user({ firstName: 'Dan' });
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.length === 1);
    const workflowId = chatWorkflowId(system.botId, user.chatId);
    // One send refused with 403 (the user blocked the bot, and has unblocked it since without writing).
    system.emulator.failNext(
      Number(system.botId),
      'sendMessage',
      { errorCode: 403, description: 'Forbidden: bot was blocked by the user' },
      1,
      { chatId: user.chatId },
    );
    await system.api('POST', `/api/bots/${system.botId}/chats/${user.chatId}/events`, {
      name: 'order_shipped',
      payload: { order: 'Z' },
      eventId: 'z',
    });
    await system.client.workflow.getHandle(workflowId).result();
    expect(await blockedAt(system, user.chatId)).toBeInstanceOf(Date);

    const restarted = await system.api('POST', `/api/executions/${encodeURIComponent(workflowId)}/restart`, {});
    expect(restarted.status).toBe(202);
    // The restarted run starts from the first command. (The new execution does not know the
    // user's name: `from` of a restart is empty but for the id.)
    expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual(['Hello Dan', 'Hello ']);
    expect(await blockedAt(system, user.chatId)).toBeNull();
  });
});

describe('events into chats through the API', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: greeter });
  });
  afterAll(() => system.stop());

  it('runs trigger.event once when the same event is posted twice, also for a chat that never wrote', async () => {
    const user = system.user();
    user.sendText('/start');
    await system.until(user.chatId, (t) => t.length === 1);
    const path = `/api/bots/${system.botId}/chats/${user.chatId}/events`;
    const event = { name: 'order_shipped', payload: { order: 'A-17' }, eventId: 'ship-A-17' };
    expect((await system.api('POST', path, event)).status).toBe(202);
    expect((await system.api('POST', path, event)).status).toBe(202);
    await system.until(user.chatId, (t) => t.includes('Order A-17 shipped'));
    expect((await system.api('POST', path, { ...event, payload: { order: 'B-2' }, eventId: 'ship-B-2' })).status).toBe(202);
    expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual([
      `Hello ${user.profile.first_name}`,
      'Order A-17 shipped',
      'Order B-2 shipped',
    ]);

    const silent = system.user();
    const accepted = await system.api('POST', `/api/bots/${system.botId}/chats/${silent.chatId}/events`, {
      name: 'order_shipped',
      payload: { order: 'C-3' },
      eventId: 'ship-C-3',
    });
    expect(accepted.body).toEqual({ workflowId: chatWorkflowId(system.botId, silent.chatId), name: 'order_shipped', eventId: 'ship-C-3' });
    expect(await system.until(silent.chatId, (t) => t.length === 1)).toEqual(['Order C-3 shipped']);
  });

  it('answers 404 for an unknown bot and 400 naming the bad field', async () => {
    expect((await system.api('POST', '/api/bots/123456/chats/1/events', { name: 'order_shipped', eventId: 'x' })).status).toBe(404);
    const badName = await system.api('POST', `/api/bots/${system.botId}/chats/1/events`, { name: 'has space', eventId: 'x' });
    expect(badName.status).toBe(400);
    expect(badName.body.error.details[0].field).toBe('body.name');
    const noId = await system.api('POST', `/api/bots/${system.botId}/chats/1/events`, { name: 'order_shipped' });
    expect(noId.body.error.details[0].field).toBe('body.eventId');
    const huge = await system.api('POST', `/api/bots/${system.botId}/chats/1/events`, {
      name: 'order_shipped',
      eventId: 'big',
      payload: { text: 'x'.repeat(20_000) },
    });
    expect(huge.body.error.details[0].field).toBe('body.payload');
    const badChat = await system.api('POST', `/api/bots/${system.botId}/chats/abc/events`, { name: 'order_shipped', eventId: 'x' });
    expect(badChat.body.error.details[0].field).toBe('params.chatId');
  });
});

describe('an HTTP node whose worker dies mid-request', () => {
  it('takes the error handle once the request is given up, and the chat goes on', async () => {
    let calls = 0;
    // An author's API that never answers: the request is in flight when the worker dies.
    const slowApi = http.createServer(() => void calls++);
    await new Promise<void>((resolve) => slowApi.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slowApi.address() as AddressInfo).port}/orders`;
    const lookup = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'ask', type: 'action.http', data: { method: 'GET', url, timeoutMs: 1_000 } },
        { id: 'ok', type: 'message.text', data: { text: 'found it' } },
        { id: 'sorry', type: 'message.text', data: { text: 'the order service is down' } },
      ],
      [edge('start', 'ask'), edge('ask', 'ok', 'success'), edge('ask', 'sorry', 'error')],
    );
    const system = await startChatSystem({ flow: lookup, worker: false });
    const startWorker = () => runWorkerProcess(system, { HTTP_NODE_ALLOWLIST: '127.0.0.1' });
    let worker = await startWorker();
    try {
      const user = system.user();
      user.sendText('/start');
      for (let i = 0; i < 200 && calls === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBe(1);
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await startWorker();
      // The activity's start-to-close (the node's timeout plus 5 s) expires with no worker to finish it.
      expect(await system.until(user.chatId, (t) => t.length === 1, 60_000)).toEqual(['the order service is down']);
      const steps = await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).query(chatSteps, 0);
      expect(steps.filter((s) => s.kind === 'error')).toEqual([]);
      expect((await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).query(chatState)).status).toBe('idle');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await system.stop();
      slowApi.closeAllConnections();
      slowApi.close();
    }
  });
});

describe('presses while the chat is busy', () => {
  it('are answered at once, with their toast, while an HTTP node waits; their effect still comes in order', async () => {
    const held: http.ServerResponse[] = [];
    // An author's API that answers only when the test lets it.
    const slowApi = http.createServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => slowApi.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slowApi.address() as AddressInfo).port}/slow`;
    const busy = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        {
          id: 'menu',
          type: 'message.text',
          data: {
            text: 'Menu',
            keyboard: {
              type: 'inline',
              rows: [
                [
                  { text: 'Slow', callbackData: 'slow' },
                  { text: 'Ping', callbackData: 'ping' },
                ],
              ],
            },
          },
        },
        { id: 'slow', type: 'trigger.callback', data: { data: 'slow' } },
        { id: 'call', type: 'action.http', data: { method: 'GET', url, timeoutMs: 30_000 } },
        { id: 'done', type: 'message.text', data: { text: 'slow work done' } },
        { id: 'ping', type: 'trigger.callback', data: { data: 'ping', toast: 'pong!' } },
        { id: 'pong', type: 'message.text', data: { text: 'pong' } },
      ],
      [edge('start', 'menu'), edge('slow', 'call'), edge('call', 'done', 'success'), edge('call', 'done', 'error'), edge('ping', 'pong')],
    );
    const system = await startChatSystem({ flow: busy, env: { TELEGRAM_CHAT_RATE_PER_SECOND: '20' } });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Menu'));
      const slow = user.pressButton('slow').callback_query.id;
      for (let i = 0; i < 200 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(held).toHaveLength(1);

      const answered = (id: string) => (call: { method: string; params: Record<string, unknown> }) =>
        call.method === 'answerCallbackQuery' && call.params['callback_query_id'] === id;
      // The press that started the slow work was answered before its request went out (an answer
      // waits for a reply to travel with only when nothing slow comes first).
      expect(system.emulator.calls(answered(slow))).toHaveLength(1);

      const presses = [user.pressButton('ping'), user.pressButton('ping')].map((u) => u.callback_query.id);
      // Both answered while the HTTP request is still held: the order, not a clock, proves it.
      const answers = await Promise.all(presses.map((id) => system.emulator.waitFor(answered(id), 30_000)));
      expect(held).toHaveLength(1);
      expect(held[0]!.writableEnded).toBe(false);
      expect(answers.map((a) => a.params['text'])).toEqual(['pong!', 'pong!']);
      expect(system.botTexts(user.chatId)).toEqual(['Menu']);

      held[0]!.end('{}');
      expect(await system.until(user.chatId, (t) => t.length === 4)).toEqual(['Menu', 'slow work done', 'pong', 'pong']);
      // Each press answered exactly once.
      for (const id of [slow, ...presses]) expect(system.emulator.calls(answered(id))).toHaveLength(1);
    } finally {
      for (const res of held) if (!res.writableEnded) res.end();
      slowApi.close();
      await system.stop();
    }
  });
});

describe('many chats notifying one chat', () => {
  const notifier = (adminChatId: number) =>
    flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/order' } },
        { id: 'tell', type: 'action.notify', data: { chatId: String(adminChatId), text: 'order from {{ from.id }}' } },
        { id: 'ok', type: 'message.text', data: { text: 'ordered' } },
      ],
      [edge('start', 'tell'), edge('tell', 'ok')],
    );
  const noticesIn = (system: ChatSystem, adminChatId: number) => system.botTexts(adminChatId).filter((t) => t.startsWith('order from'));

  it('delivers exactly one notice per chat, at the admin chat’s pace, although their sends wait past one attempt’s time', async () => {
    // The admin chat takes a notice a second after a burst of 3: the last of 25 waits ~22 s, longer
    // than a send attempt may (20 s), so attempts time out and retry; none may send twice.
    // The admin's chat id is known once the admin exists: a placeholder first, then the real flow.
    const real = await startChatSystem({ flow: notifier(1) });
    try {
      const admin = real.user({ firstName: 'Admin' });
      await real.publish(notifier(admin.chatId));
      const users = Array.from({ length: 25 }, () => real.user());
      for (const user of users) user.sendText('/order');
      for (const user of users) await real.until(user.chatId, (t) => t.includes('ordered'), 90_000);
      for (let i = 0; i < 600 && noticesIn(real, admin.chatId).length < users.length; i++) await new Promise((r) => setTimeout(r, 100));
      const notices = noticesIn(real, admin.chatId);
      expect(notices.sort()).toEqual(users.map((u) => `order from ${u.id}`).sort());
    } finally {
      await real.stop();
    }
  });

  it('with the worker killed meanwhile, every chat’s notice arrives, with at most the one in flight repeated', async () => {
    const system = await startChatSystem({ flow: notifier(1), worker: false });
    let worker = await runWorkerProcess(system);
    try {
      const admin = system.user({ firstName: 'Admin' });
      await system.publish(notifier(admin.chatId));
      const users = Array.from({ length: 12 }, () => system.user());
      for (const user of users) user.sendText('/order');
      for (let i = 0; i < 300 && noticesIn(system, admin.chatId).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await runWorkerProcess(system);
      for (let i = 0; i < 900 && new Set(noticesIn(system, admin.chatId)).size < users.length; i++)
        await new Promise((r) => setTimeout(r, 100));
      const notices = noticesIn(system, admin.chatId);
      expect(new Set(notices)).toEqual(new Set(users.map((u) => `order from ${u.id}`)));
      expect(notices.length).toBeLessThanOrEqual(users.length + 1);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await system.stop();
    }
  });
});

describe('paid generations reached again without a new message', () => {
  it('a node reached twice by events makes two jobs with two debits, and a settled key is never paid again', async () => {
    const paid = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'hi', type: 'message.text', data: { text: 'hi' } },
        { id: 'make', type: 'trigger.event', data: { name: 'make_story' } },
        {
          id: 'story',
          type: 'action.generation',
          data: { kind: 'story', prompt: 'a story about {{ event.payload.topic }}', resultVariable: 'run.story' },
        },
        { id: 'done', type: 'message.text', data: { text: 'story ready' } },
        { id: 'no', type: 'message.text', data: { text: 'no story' } },
      ],
      [edge('start', 'hi'), edge('make', 'story'), edge('story', 'done', 'success'), edge('story', 'no', 'refunded')],
      { variables: [{ name: 'story', scope: 'run', type: 'string' }] },
    );
    const system = await startChatSystem({ flow: paid });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.length === 1);
      const userId = await system.credit(user, 500);
      const path = `/api/bots/${system.botId}/chats/${user.chatId}/events`;
      await system.api('POST', path, { name: 'make_story', payload: { topic: 'cats' }, eventId: 'e1' });
      await system.until(user.chatId, (t) => t.length === 2);
      await system.api('POST', path, { name: 'make_story', payload: { topic: 'dogs' }, eventId: 'e2' });
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual(['hi', 'story ready', 'story ready']);

      const jobs = await system.db.select().from(generationJobs).where(eq(generationJobs.userId, userId));
      expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(2);
      const debits = await system.db
        .select()
        .from(creditLedger)
        .where(and(eq(creditLedger.userId, userId), eq(creditLedger.reason, 'debit')));
      expect(debits).toHaveLength(2);

      // The same key started again once its workflow id is free (retention): settled, not paid twice.
      const [first] = jobs;
      const balanceBefore = (await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance;
      const again = await system.client.workflow.execute('generationWorkflow', {
        workflowId: `${first!.id}`,
        taskQueue: system.taskQueue,
        args: [
          {
            job: {
              id: first!.id,
              userId,
              kind: 'story',
              prompt: first!.prompt,
              params: {},
              cost: first!.cost,
              idempotencyKey: first!.idempotencyKey,
              requestHash: first!.requestHash,
            },
            policy: { attemptTimeoutMs: 10_000, heartbeatTimeoutMs: 5_000, maxAttempts: 1 },
          },
        ],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      expect(again).toMatchObject({ status: 'completed', refunded: false, result: first!.result });
      expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance).toBe(balanceBefore);
      expect(await system.db.select().from(creditLedger).where(eq(creditLedger.jobId, first!.id))).toHaveLength(1);
    } finally {
      await system.stop();
    }
  });
});

describe('state within Temporal’s limits', () => {
  it('a value over the size cap stops the run with the reason in the timeline; the chat stays healthy', async () => {
    const hoarder = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'hi', type: 'message.text', data: { text: 'hi' } },
        { id: 'text', type: 'trigger.text', data: { pattern: '^x+$' } },
        {
          id: 'keep',
          type: 'action.set',
          data: {
            variable: 'chat.notes',
            op: 'set',
            value:
              'message.text + message.text + message.text + message.text + message.text + message.text + message.text + message.text + message.text',
          },
        },
        { id: 'kept', type: 'message.text', data: { text: 'kept' } },
      ],
      [edge('start', 'hi'), edge('text', 'keep'), edge('keep', 'kept')],
      { variables: [{ name: 'notes', scope: 'chat', type: 'string' }] },
    );
    const system = await startChatSystem({ flow: hoarder });
    try {
      const user = system.user();
      user.sendText('x'.repeat(100));
      await system.until(user.chatId, (t) => t.includes('kept'));
      user.sendText('x'.repeat(4_000));
      user.sendText('/start');
      expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual(['kept', 'hi']);
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      const steps = await handle.query(chatSteps, 0);
      expect(steps).toContainEqual(
        expect.objectContaining({
          kind: 'error',
          nodeId: 'keep',
          detail: expect.stringMatching(/variable chat\.notes would be 36\d{3} bytes \(at most 32768 per value\)/),
        }),
      );
      // The value that fitted is still there; the one over the cap was never stored.
      expect((await handle.query(chatState)).variables.chat['notes']).toBe('x'.repeat(900));
      const { raw } = await handle.describe();
      expect(raw.workflowExecutionInfo?.status).toBe(1); // RUNNING: no failed workflow task
    } finally {
      await system.stop();
    }
  });
});

describe('jobs started through the API for a chat', () => {
  it('tell that chat their outcome, whether it is running or at rest', async () => {
    const told = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'hi', type: 'message.text', data: { text: 'hi' } },
        { id: 'finished', type: 'trigger.event', data: { name: 'generation_finished' } },
        { id: 'say', type: 'message.text', data: { text: 'job {{ event.payload.status }}, refunded: {{ event.payload.refunded }}' } },
      ],
      [edge('start', 'hi'), edge('finished', 'say')],
    );
    const system = await startChatSystem({ flow: told });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.length === 1);
      const userId = await system.credit(user, 100);
      const chat = { botId: system.botId, chatId: String(user.chatId) };
      const started = await system.api(
        'POST',
        '/api/generations',
        { userId, kind: 'story', prompt: 'a fox', chat },
        { 'Idempotency-Key': 'job-1' },
      );
      expect(started.status).toBe(202);
      await system.until(user.chatId, (t) => t.includes('job completed, refunded: false'));

      // The chat at rest (here: ended by an operator): the outcome starts it again.
      const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
      await handle.terminate('test: the chat is at rest');
      await system.api('POST', '/api/generations', { userId, kind: 'story', prompt: 'a [fail] fox', chat }, { 'Idempotency-Key': 'job-2' });
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual([
        'hi',
        'job completed, refunded: false',
        'job failed, refunded: true',
      ]);

      const bad = await system.api(
        'POST',
        '/api/generations',
        { userId, kind: 'story', prompt: 'x', chat: { botId: 'x', chatId: '1' } },
        { 'Idempotency-Key': 'job-3' },
      );
      expect(bad.body.error.details[0].field).toBe('body.chat.botId');
    } finally {
      await system.stop();
    }
  });
});

describe('a paid generation that the user cancels', () => {
  it('is cancelled by the node’s cancel button while it runs, its credits refunded, and the run goes on', async () => {
    const story = flow(
      [
        { id: 'start', type: 'trigger.command', data: { command: '/story' } },
        {
          id: 'wait',
          type: 'message.text',
          data: {
            text: 'Writing…',
            keyboard: {
              type: 'inline',
              rows: [
                [
                  { text: 'Cancel', callbackData: 'cancel' },
                  { text: 'Ping', callbackData: 'ping' },
                ],
              ],
            },
          },
        },
        { id: 'ping', type: 'trigger.callback', data: { data: 'ping', toast: 'still writing' } },
        { id: 'pong', type: 'message.text', data: { text: 'pong' } },
        { id: 'write', type: 'action.generation', data: { kind: 'story', prompt: 'a long story', cancelData: 'cancel' } },
        { id: 'done', type: 'message.text', data: { text: 'story ready' } },
        { id: 'gone', type: 'message.text', data: { text: 'cancelled, credits back' } },
      ],
      [
        edge('start', 'wait'),
        edge('wait', 'write'),
        edge('write', 'done', 'success'),
        edge('write', 'gone', 'refunded'),
        edge('ping', 'pong'),
      ],
    );
    const system = await startChatSystem({ flow: story, provider: createFakeProvider({ latencyMs: 60_000, failureRate: 0 }) });
    try {
      const user = system.user();
      const userId = await system.credit(user, 100);
      user.sendText('/story');
      await system.until(user.chatId, (t) => t.includes('Writing…'));
      // Once the job has debited and is generating:
      let job: typeof generationJobs.$inferSelect | undefined;
      for (let i = 0; i < 200 && job?.status !== 'processing'; i++) {
        [job] = await system.db.select().from(generationJobs).where(eq(generationJobs.userId, userId));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(job?.status).toBe('processing');
      // A press while the job runs is answered with its toast while the job is still running.
      const ping = user.pressButton('ping').callback_query.id;
      const answer = await system.emulator.waitFor((c) => c.method === 'answerCallbackQuery' && c.params['callback_query_id'] === ping);
      expect(answer.params['text']).toBe('still writing');
      expect((await system.db.select().from(generationJobs).where(eq(generationJobs.id, job!.id)))[0]?.status).toBe('processing');
      const press = user.pressButton('cancel').callback_query.id;
      // What the presses do comes in order: the job's end first, then the ping's reply.
      expect(await system.until(user.chatId, (t) => t.length === 3)).toEqual(['Writing…', 'cancelled, credits back', 'pong']);
      await system.emulator.waitFor((c) => c.method === 'answerCallbackQuery' && c.params['callback_query_id'] === press);
      const [settled] = await system.db.select().from(generationJobs).where(eq(generationJobs.id, job!.id));
      expect(settled?.status).toBe('cancelled');
      expect((await system.api('GET', `/api/users/${encodeURIComponent(userId)}`)).body.balance).toBe(100);
    } finally {
      await system.stop();
    }
  });
});
