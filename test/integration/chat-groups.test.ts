import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatSteps } from '../../src/temporal/chat-messages';
import { startChatSystem, type ChatSystem } from '../support/chat-system';
import { edge, flow } from '../support/flow-json';

// A group bot: each member's command starts their own run, waits are answered by their member,
// timers fire for theirs, and what a run does is charged to the member who started it.
const groupFlow = flow(
  [
    { id: 'ask', type: 'trigger.command', data: { command: '/ask' } },
    { id: 'question', type: 'message.text', data: { text: '{{ from.firstName }}, your nickname?' } },
    { id: 'answer', type: 'wait.text', data: { variable: 'run.nick' } },
    { id: 'thanks', type: 'message.text', data: { text: 'Thanks {{ run.nick }} ({{ from.firstName }})' } },
    { id: 'later', type: 'trigger.command', data: { command: '/later' } },
    { id: 'pause', type: 'logic.delay', data: { delayMs: 2_000 } },
    { id: 'remind', type: 'message.text', data: { text: 'reminder for {{ from.firstName }}' } },
    { id: 'balance', type: 'trigger.event', data: { name: 'balance' } },
    { id: 'read', type: 'action.credits', data: { variable: 'run.credits' } },
    { id: 'tell', type: 'message.text', data: { text: 'balance {{ run.credits }}' } },
  ],
  [
    edge('ask', 'question'),
    edge('question', 'answer'),
    edge('answer', 'thanks'),
    edge('later', 'pause'),
    edge('pause', 'remind'),
    edge('balance', 'read'),
    edge('read', 'tell'),
  ],
  {
    variables: [
      { name: 'nick', scope: 'run', type: 'string' },
      { name: 'credits', scope: 'run', type: 'number' },
    ],
  },
);

describe('a group chat', () => {
  let system: ChatSystem;
  let group = -4_000;
  const members = () => {
    group -= 1;
    return { ann: system.user({ firstName: 'Ann', groupId: group }), bob: system.user({ firstName: 'Bob', groupId: group }) };
  };
  beforeAll(async () => {
    system = await startChatSystem({ flow: groupFlow, env: { TELEGRAM_GROUP_RATE_PER_MINUTE: '600' } });
  });
  afterAll(() => system.stop());

  it('gives each member a run of their own: a command does not replace another member’s run', async () => {
    const { ann, bob } = members();
    ann.sendText('/ask');
    await system.until(group, (t) => t.includes('Ann, your nickname?'));
    bob.sendText('/ask');
    await system.until(group, (t) => t.includes('Bob, your nickname?'));
    bob.sendText('Bobby');
    await system.until(group, (t) => t.includes('Thanks Bobby (Bob)'));
    ann.sendText('Annie');
    expect(await system.until(group, (t) => t.length === 4)).toEqual([
      'Ann, your nickname?',
      'Bob, your nickname?',
      'Thanks Bobby (Bob)',
      'Thanks Annie (Ann)',
    ]);
  });

  it('lets only the member a wait waits for answer it', async () => {
    const { ann, bob } = members();
    ann.sendText('/ask');
    await system.until(group, (t) => t.length === 1);
    bob.sendText('hijacked');
    ann.sendText('Annie');
    expect(await system.until(group, (t) => t.length === 2)).toEqual(['Ann, your nickname?', 'Thanks Annie (Ann)']);
    const steps = await system.client.workflow.getHandle(chatWorkflowId(system.botId, group)).query(chatSteps, 0);
    expect(steps.filter((s) => s.kind === 'node' && s.nodeId === 'thanks')).toHaveLength(1);
  });

  it('fires a member’s timer while another member’s run is current', async () => {
    const { ann, bob } = members();
    ann.sendText('/later');
    bob.sendText('/ask');
    await system.until(group, (t) => t.includes('Bob, your nickname?'));
    await system.until(group, (t) => t.includes('reminder for Ann'), 30_000);
    bob.sendText('Bobby');
    await system.until(group, (t) => t.includes('Thanks Bobby (Bob)'));
  });

  it('starts an event’s run for, and charges, the member it names', async () => {
    const { ann, bob } = members();
    ann.sendText('/ask');
    bob.sendText('/ask');
    await system.until(group, (t) => t.length === 2);
    await system.credit(ann, 10);
    await system.credit(bob, 20);
    const events = `/api/bots/${system.botId}/chats/${group}/events`;
    expect((await system.api('POST', events, { name: 'balance', eventId: `b-${group}`, userId: bob.id })).status).toBe(202);
    await system.until(group, (t) => t.includes('balance 20'));
    expect((await system.api('POST', events, { name: 'balance', eventId: `a-${group}`, userId: ann.id })).status).toBe(202);
    await system.until(group, (t) => t.includes('balance 10'));
  });
});
