// Validates a generated 1,000-node flow. Target: ≤ 50 ms per validation.
// Run: npx tsx bench/flow-validate.ts
import { checkFlow, type FlowVersionInput, validateFlow } from '../src/flow';

// 50 segments of 20 nodes each.
const SEGMENTS = 50;

type NodeInput = FlowVersionInput['nodes'][number];
type EdgeInput = NonNullable<FlowVersionInput['edges']>[number];

// One segment is a small bot: a command, a menu, a paid generation, an HTTP call, waits with
// timeouts and loops back through a wait and through a delay, i.e. every check has work to do.
function segment(i: number): { nodes: NodeInput[]; edges: EdgeInput[] } {
  const id = (n: number): string => `s${i}-${n}`;
  const nodes = [
    [1, 'trigger.command', { command: `/cmd${i}` }],
    [
      2,
      'message.text',
      {
        text: 'Hi {{ from.firstName }}, balance {{ format(user.balance, 2) }}',
        keyboard: {
          type: 'inline',
          rows: [
            [
              { text: 'A', callbackData: 'a' },
              { text: 'B', callbackData: 'b' },
            ],
          ],
        },
      },
    ],
    [3, 'wait.button', { variable: 'run.choice', accept: ['a', 'b'], timeoutMs: 60_000 }],
    [
      4,
      'logic.switch',
      {
        value: 'run.choice',
        cases: [
          { id: 'a', equals: 'a' },
          { id: 'b', equals: 'b' },
        ],
      },
    ],
    [5, 'action.credits', { variable: 'run.balance' }],
    [6, 'logic.condition', { condition: 'run.balance >= 100 and chat.lang == "ru"' }],
    [
      7,
      'action.generation',
      { kind: 'story', prompt: 'A story about {{ run.answer }} for {{ from.firstName }}', resultVariable: 'run.story' },
    ],
    [8, 'message.text', { text: 'Not enough credits: {{ run.balance }}' }],
    [9, 'wait.text', { variable: 'run.answer', pattern: '^.{3,200}$', retryPrompt: 'Too short', timeoutMs: 60_000 }],
    [10, 'message.text', { text: '{{ run.story }}' }],
    [11, 'message.text', { text: 'Refunded' }],
    [12, 'logic.jump', { target: id(2) }],
    [
      13,
      'action.http',
      {
        method: 'POST',
        url: 'https://api.example.com/q',
        body: '{"q": {{ json(run.answer) }}}',
        saveResponse: [{ variable: 'run.story', value: 'response.body.answer' }],
      },
    ],
    [14, 'action.set', { variable: 'user.history', op: 'append', value: 'run.answer' }],
    [15, 'message.text', { text: 'Answer: {{ run.story }}' }],
    [16, 'action.notify', { chatId: '{{ bot.adminChatId }}', text: 'Failed for {{ from.id }}' }],
    [17, 'action.analytics', { event: 'done', properties: { choice: 'run.choice', balance: 'run.balance' } }],
    [18, 'logic.end', {}],
    [19, 'message.text', { text: 'Timed out' }],
    [20, 'logic.delay', { delayMs: 60_000 }],
  ].map(
    ([n, type, data]) => ({ id: id(n as number), type, data, position: { x: (n as number) * 200, y: i * 300 } }) as unknown as NodeInput,
  );
  const link = (from: number, to: number, handle?: string): EdgeInput => ({
    id: `${id(from)}-${handle ?? 'next'}`,
    source: id(from),
    ...(handle === undefined ? {} : { sourceHandle: handle }),
    target: id(to),
  });
  const edges = [
    link(1, 2),
    link(2, 3),
    link(3, 4, 'next'),
    link(3, 19, 'timeout'),
    link(4, 5, 'a'),
    link(4, 9, 'b'),
    link(4, 18, 'default'),
    link(5, 6),
    link(6, 7, 'true'),
    link(6, 8, 'false'),
    link(7, 10, 'success'),
    link(7, 11, 'refunded'),
    link(8, 12),
    link(9, 13, 'next'),
    link(9, 19, 'timeout'),
    link(10, 14),
    link(11, 18),
    link(13, 15, 'success'),
    link(13, 16, 'error'),
    link(14, 17),
    link(15, 17),
    link(16, 17),
    link(17, 18),
    link(19, 20),
    link(20, 2),
  ];
  return { nodes, edges };
}

function generateFlow(): FlowVersionInput {
  const segments = Array.from({ length: SEGMENTS }, (_, i) => segment(i));
  return {
    variables: [
      { name: 'choice', scope: 'run', type: 'string' },
      { name: 'balance', scope: 'run', type: 'number' },
      { name: 'story', scope: 'run', type: 'string' },
      { name: 'answer', scope: 'run', type: 'string' },
      { name: 'balance', scope: 'user', type: 'number', default: 0 },
      { name: 'history', scope: 'user', type: 'list', default: [] },
      { name: 'lang', scope: 'chat', type: 'string' },
      { name: 'adminChatId', scope: 'bot', type: 'string' },
    ],
    nodes: segments.flatMap((s) => s.nodes),
    edges: segments.flatMap((s) => s.edges),
  };
}

function measure(label: string, iterations: number, run: () => void): void {
  for (let i = 0; i < 10; i++) run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const p95 = times[Math.floor(times.length * 0.95)] ?? Number.NaN;
  console.log(
    `${label}: mean ${mean.toFixed(2)} ms, min ${(times[0] ?? Number.NaN).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (${iterations} runs)`,
  );
}

const json = JSON.parse(JSON.stringify(generateFlow())) as unknown;
const result = checkFlow(json);
if (result.flow === undefined || result.problems.length > 0) {
  throw new Error(`the generated flow should be valid: ${JSON.stringify(result.problems.slice(0, 5))}`);
}
const parsed = result.flow;
console.log(`flow: ${parsed.nodes.length} nodes, ${parsed.edges.length} edges`);
measure('checkFlow (schema + validation)', 100, () => checkFlow(json));
measure('validateFlow (validation of a parsed flow)', 100, () => validateFlow(parsed));
