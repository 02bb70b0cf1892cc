import { and, eq, sql } from 'drizzle-orm';
import { outdatedActiveVersions } from '../../src/bots/registry';
import { flows, flowVersions } from '../../src/db/schema';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatSteps } from '../../src/temporal/chat-messages';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { edge, flow } from '../support/flow-json';

// The security review's bot: a text trigger whose pattern backtracks catastrophically on
// JavaScript's RegExp (55 s for the 41 characters below), and a wait with another such pattern.
const numbersFlow = flow(
  [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    { id: 'hello', type: 'message.text', data: { text: 'Send me numbers' } },
    { id: 'numbers', type: 'trigger.text', data: { pattern: '^(?:\\d+[.,]?){1,10}$' } },
    { id: 'got', type: 'message.text', data: { text: 'numbers: {{ message.match[0] }}' } },
    { id: 'ask', type: 'trigger.command', data: { command: '/ask' } },
    { id: 'prompt', type: 'message.text', data: { text: 'Say aaa' } },
    { id: 'answer', type: 'wait.text', data: { pattern: '^(a|a)+$', retryPrompt: 'Only a, please', variable: 'run.said' } },
    { id: 'thanks', type: 'message.text', data: { text: 'thanks for {{ run.said }}' } },
  ],
  [edge('start', 'hello'), edge('numbers', 'got'), edge('ask', 'prompt'), edge('prompt', 'answer'), edge('answer', 'thanks')],
  { variables: [{ name: 'said', scope: 'run', type: 'string' }] },
);

describe('a hostile message to a bot whose flow has a backtracking pattern', () => {
  let system: ChatSystem;
  beforeAll(async () => {
    system = await startChatSystem({ flow: numbersFlow, env: { TELEGRAM_CHAT_RATE_PER_SECOND: '20' } });
  });
  afterAll(() => system.stop());

  it('is refused by the pattern quickly, and every chat, the sender’s included, goes on being answered', async () => {
    const attacker = system.user({ firstName: 'Mallory' });
    const other = system.user({ firstName: 'Olga' });
    attacker.sendText('/start');
    await system.until(attacker.chatId, (t) => t.includes('Send me numbers'));

    attacker.sendText(`${'1'.repeat(40)}x`);
    attacker.sendText('/ask');
    attacker.sendText(`${'a'.repeat(4_000)}b`);
    other.sendText('/start');
    other.sendText('12.5,7');

    expect(await system.until(other.chatId, (t) => t.length === 2)).toEqual(['Send me numbers', 'numbers: 12.5,7']);
    // The hostile texts matched nothing (no "numbers:" reply; the wait asked again), and the
    // chat answered what came after them.
    expect(await system.until(attacker.chatId, (t) => t.includes('Only a, please'))).toEqual([
      'Send me numbers',
      'Say aaa',
      'Only a, please',
    ]);
    attacker.sendText('aaa');
    await system.until(attacker.chatId, (t) => t.at(-1) === 'thanks for aaa');
    attacker.sendText('/start');
    await system.until(attacker.chatId, (t) => t.at(-1) === 'Send me numbers');
  });
});

describe('a version published before patterns moved to RE2', () => {
  it('is reported, its refused pattern never matches, and the rest of the flow works', async () => {
    const system = await startChatSystem({ flow: numbersFlow });
    try {
      // Published under the old rules (JavaScript RegExp accepted the lookahead): stored as it was.
      const stale = flow(
        [
          { id: 'start', type: 'trigger.command', data: { command: '/start' } },
          { id: 'hello', type: 'message.text', data: { text: 'Hi' } },
          { id: 'greeting', type: 'trigger.text', data: { pattern: '^(?!spam)hello', caseSensitive: false } },
          { id: 'back', type: 'message.text', data: { text: 'hello to you' } },
        ],
        [edge('start', 'hello'), edge('greeting', 'back')],
        { settings: { idleTimeoutMs: 86_400_000, debounceMs: 0, defaultLocale: 'en' }, variables: [] },
      );
      const [row] = await system.db
        .insert(flowVersions)
        .values({ botId: system.botId, flowId: 'main', version: 2, definition: stale, checksum: 'published-before-re2' })
        .returning({ id: flowVersions.id });
      await system.db
        .update(flows)
        .set({ activeVersionId: row?.id, updatedAt: sql`now()` })
        .where(and(eq(flows.botId, system.botId), eq(flows.id, 'main')));

      const outdated = (await outdatedActiveVersions(system.db)).filter((v) => v.botId === system.botId);
      expect(outdated).toEqual([
        {
          botId: system.botId,
          flowId: 'main',
          version: 2,
          problems: [expect.objectContaining({ code: 'invalid-regex', nodeId: 'greeting' })],
        },
      ]);

      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Hi'));
      user.sendText('hello');
      user.sendText('/start');
      expect(await system.until(user.chatId, (t) => t.length === 2)).toEqual(['Hi', 'Hi']);
      const steps = await system.client.workflow.getHandle(chatWorkflowId(system.botId, user.chatId)).query(chatSteps, 0);
      expect(steps).toContainEqual(
        expect.objectContaining({ kind: 'error', nodeId: 'greeting', detail: expect.stringMatching(/cannot be used/) }),
      );
    } finally {
      await system.stop();
    }
  });
});
