/**
 * The benches' bot: /start shows a menu with one inline button ("count"); every press adds one to
 * chat.clicks and says the total. Each update gets exactly one reply, which is what the latency
 * benches match on.
 */
export const counterFlow = {
  settings: { debounceMs: 0 },
  variables: [{ name: 'clicks', scope: 'chat', type: 'number', default: 0 }],
  nodes: [
    { id: 'start', type: 'trigger.command', data: { command: '/start' } },
    {
      id: 'menu',
      type: 'message.text',
      data: { text: 'Menu', keyboard: { type: 'inline', rows: [[{ text: 'Count', callbackData: 'count' }]] } },
    },
    { id: 'pressed', type: 'trigger.callback', data: { data: 'count' } },
    { id: 'add', type: 'action.set', data: { variable: 'chat.clicks', op: 'increment', value: '1' } },
    { id: 'say', type: 'message.text', data: { text: 'click {{ chat.clicks }}' } },
  ],
  edges: [
    { id: 'start-menu', source: 'start', target: 'menu' },
    { id: 'pressed-add', source: 'pressed', target: 'add' },
    { id: 'add-say', source: 'add', target: 'say' },
  ],
};

/** What the counter bot replies to a chat's update number `step`: 0 is /start, then the presses. */
export const counterReply = (step: number): string => (step === 0 ? 'Menu' : `click ${step}`);
