import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalTestServer } from '../../src/runtime/temporal-binaries';
import { addSearchAttributes } from '../../src/temporal/connection';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatState } from '../../src/temporal/chat-messages';
import type { ChatSnapshot } from '../../src/workflows/chat/types';
import { startChatSystem, type ChatSystem } from '../support/chat-system';

const DAY_MS = 24 * 60 * 60_000;

/**
 * Timers of days, as users meet them: the whole chat path (the emulated Bot API, the ingress, the
 * chat workflow with the real activities, the database) runs on Temporal's time-skipping test
 * server instead of the shared dev server, so days pass in the moment `testEnv.sleep` asks the
 * server to skip them. The server is the pinned binary in .tools/ (the SDK downloads none), and
 * it cannot list search attributes, so the project's are added without asking.
 */
describe('days of silence', () => {
  const flow = {
    variables: [
      { name: 'visits', scope: 'chat', type: 'number', default: 0 },
      { name: 'topic', scope: 'run', type: 'string' },
    ],
    nodes: [
      { id: 'remind', type: 'trigger.command', data: { command: '/remind' } },
      { id: 'count', type: 'action.set', data: { variable: 'chat.visits', op: 'increment', value: '1' } },
      { id: 'ask', type: 'message.text', data: { text: 'remind you of what?' } },
      { id: 'topic', type: 'wait.text', data: { variable: 'run.topic', timeoutMs: DAY_MS } },
      { id: 'will', type: 'message.text', data: { text: 'in two days: {{ run.topic }}' } },
      { id: 'later', type: 'logic.delay', data: { delayMs: 2 * DAY_MS } },
      { id: 'reminder', type: 'message.text', data: { text: 'reminder: {{ run.topic }} (visit {{ chat.visits }})' } },
      { id: 'nudge', type: 'message.text', data: { text: 'no answer, never mind' } },
    ],
    edges: [
      { id: 'e1', source: 'remind', target: 'count' },
      { id: 'e2', source: 'count', target: 'ask' },
      { id: 'e3', source: 'ask', target: 'topic' },
      { id: 'e4', source: 'topic', target: 'will' },
      { id: 'e5', source: 'will', target: 'later' },
      { id: 'e6', source: 'later', target: 'reminder' },
      { id: 'e7', source: 'topic', sourceHandle: 'timeout', target: 'nudge' },
    ],
  };
  let testEnv: TestWorkflowEnvironment;
  let system: ChatSystem;
  beforeAll(async () => {
    testEnv = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: resolveTemporalTestServer() } },
    });
    await addSearchAttributes(testEnv.connection, 'default');
    system = await startChatSystem({
      flow,
      temporal: { client: testEnv.client, workerConnection: testEnv.nativeConnection, close: () => testEnv.teardown() },
    });
  });
  afterAll(() => system.stop());

  /** Waits until the chat's run is suspended as `status`: its timer is set, so the time skipped next counts for it. */
  async function suspended(chatId: number, status: ChatSnapshot['status']): Promise<void> {
    const handle = system.client.workflow.getHandle(chatWorkflowId(system.botId, chatId));
    for (let tries = 0; (await handle.query(chatState)).status !== status; tries++) {
      if (tries > 300) throw new Error(`chat ${chatId} never became ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('the nudge arrives a day after an unanswered question; the reminder two days after the answer, variables intact', async () => {
    const answering = system.user();
    const silent = system.user();
    answering.sendText('/remind');
    silent.sendText('/remind');
    await system.until(silent.chatId, (t) => t.includes('remind you of what?'));
    await system.until(answering.chatId, (t) => t.includes('remind you of what?'));
    answering.sendText('call mom');
    await system.until(answering.chatId, (t) => t.includes('in two days: call mom'));
    await suspended(answering.chatId, 'delayed');
    await suspended(silent.chatId, 'waiting');

    await testEnv.sleep(DAY_MS + 60_000);
    expect(await system.until(silent.chatId, (t) => t.length === 2)).toEqual(['remind you of what?', 'no answer, never mind']);
    // A day in, the two-day delay has not fired.
    expect(system.botTexts(answering.chatId)).toEqual(['remind you of what?', 'in two days: call mom']);

    await testEnv.sleep(DAY_MS);
    expect(await system.until(answering.chatId, (t) => t.length === 3)).toEqual([
      'remind you of what?',
      'in two days: call mom',
      'reminder: call mom (visit 1)',
    ]);
  });
});
