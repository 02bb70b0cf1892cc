import { and, eq } from 'drizzle-orm';
import { chatStates } from '../../src/db/schema';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatState } from '../../src/temporal/chat-messages';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

/**
 * A chat that goes quiet is put to rest after the flow's idle timeout (a minute at least, so this
 * file takes that long): its chat variables are saved, the workflow completes, and the next update
 * starts a new execution that resumes from them. A chat whose run still has a timer to fire (a
 * delay, a wait's timeout) is not put to rest before it fires. The three chats run side by side.
 */
describe('idleness and time', () => {
  const flow = {
    settings: { idleTimeoutMs: 60_000 },
    variables: [
      { name: 'visits', scope: 'chat', type: 'number', default: 0 },
      { name: 'answer', scope: 'run', type: 'string' },
    ],
    nodes: [
      { id: 'start', type: 'trigger.command', data: { command: '/start' } },
      { id: 'count', type: 'action.set', data: { variable: 'chat.visits', op: 'increment', value: '1' } },
      { id: 'say', type: 'message.text', data: { text: 'visit {{ chat.visits }}' } },
      { id: 'remind', type: 'trigger.command', data: { command: '/remind' } },
      { id: 'will', type: 'message.text', data: { text: 'will remind' } },
      { id: 'later', type: 'logic.delay', data: { delayMs: 75_000 } },
      { id: 'reminder', type: 'message.text', data: { text: 'reminder' } },
      { id: 'ask', type: 'trigger.command', data: { command: '/ask' } },
      { id: 'question', type: 'message.text', data: { text: 'your answer?' } },
      { id: 'answer', type: 'wait.text', data: { variable: 'run.answer', timeoutMs: 70_000 } },
      { id: 'thanks', type: 'message.text', data: { text: 'thanks' } },
      { id: 'nudge', type: 'message.text', data: { text: 'no answer, never mind' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'count' },
      { id: 'e2', source: 'count', target: 'say' },
      { id: 'e3', source: 'remind', target: 'will' },
      { id: 'e4', source: 'will', target: 'later' },
      { id: 'e5', source: 'later', target: 'reminder' },
      { id: 'e6', source: 'ask', target: 'question' },
      { id: 'e7', source: 'question', target: 'answer' },
      { id: 'e8', source: 'answer', target: 'thanks' },
      { id: 'e9', source: 'answer', sourceHandle: 'timeout', target: 'nudge' },
    ],
  };
  let system: ChatSystem;
  const users: Record<'visitor' | 'reminded' | 'asked', ReturnType<ChatSystem['user']>> = {} as never;
  beforeAll(async () => {
    system = await startChatSystem({ flow });
    users.visitor = system.user();
    users.reminded = system.user();
    users.asked = system.user();
    users.visitor.sendText('/start');
    users.reminded.sendText('/remind');
    users.asked.sendText('/ask');
    await Promise.all([
      system.until(users.visitor.chatId, (t) => t.includes('visit 1')),
      system.until(users.reminded.chatId, (t) => t.includes('will remind')),
      system.until(users.asked.chatId, (t) => t.includes('your answer?')),
    ]);
  });
  afterAll(() => system.stop());

  it('an idle chat saves its variables, completes, and resumes from them on the next update', async () => {
    const user = users.visitor;
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    const firstRun = (await handle.describe()).runId;

    await expect(handle.result()).resolves.toBeUndefined();
    const [saved] = await system.db
      .select()
      .from(chatStates)
      .where(and(eq(chatStates.botId, system.botId), eq(chatStates.chatId, String(user.chatId))));
    expect(saved?.variables).toEqual({ visits: { value: 1, expiresAt: null } });

    user.sendText('/start');
    await system.until(user.chatId, (t) => t.includes('visit 2'));
    expect((await handle.describe()).runId).not.toBe(firstRun);
  });

  it('a delay longer than the idle timeout still fires: the reminder arrives', async () => {
    const user = users.reminded;
    expect(await system.until(user.chatId, (t) => t.length === 2, 120_000)).toEqual(['will remind', 'reminder']);
  });

  it('a wait timeout longer than the idle timeout still fires, in the same run', async () => {
    const user = users.asked;
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId));
    const run = (await handle.describe()).runId;
    expect(await system.until(user.chatId, (t) => t.length === 2, 120_000)).toEqual(['your answer?', 'no answer, never mind']);
    expect((await handle.describe()).runId).toBe(run);
    expect((await handle.query(chatState)).status).toBe('idle');
  });
});
