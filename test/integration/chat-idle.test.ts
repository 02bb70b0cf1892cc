import { and, eq } from 'drizzle-orm';
import { chatStates } from '../../src/db/schema';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { startChatSystem } from '../support/chat-system';

/**
 * A chat that goes quiet is put to rest after the flow's idle timeout (a minute at least, so this
 * test takes that long): its chat variables are saved, the workflow completes, and the next update
 * starts a new execution that resumes from them.
 */
describe('an idle chat', () => {
  it('saves its variables, completes, and resumes from them on the next update', async () => {
    const visits = {
      settings: { idleTimeoutMs: 60_000 },
      variables: [{ name: 'visits', scope: 'chat', type: 'number', default: 0 }],
      nodes: [
        { id: 'start', type: 'trigger.command', data: { command: '/start' } },
        { id: 'count', type: 'action.set', data: { variable: 'chat.visits', op: 'increment', value: '1' } },
        { id: 'say', type: 'message.text', data: { text: 'visit {{ chat.visits }}' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'count' },
        { id: 'e2', source: 'count', target: 'say' },
      ],
    };
    const system = await startChatSystem({ flow: visits });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('visit 1'));
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
    } finally {
      await system.stop();
    }
  });
});
