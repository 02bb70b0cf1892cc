import { checkFlow, type FlowVersionInput, type Problem, type ProblemCode, problemCodes } from '../../../src/flow';
import { edge, flow, node, variable } from './flow-builder';

const problemsOf = (json: unknown): Problem[] => checkFlow(json).problems;
const codesOf = (json: unknown): ProblemCode[] => problemsOf(json).map((p) => p.code);

const bye = node('bye', 'message.text', { text: 'Bye!' });
const helloToBye = edge('hello', 'bye');

// For every rule: a flow that breaks it and a flow that keeps it (and has no problems at all).
// `invalid-json` belongs to the command-line validator and is tested there.
const rules: Record<Exclude<ProblemCode, 'invalid-json'>, { readonly bad: FlowVersionInput; readonly good: FlowVersionInput }> = {
  'missing-field': {
    bad: flow({ nodes: [node('bye', 'message.text', {})], edges: [helloToBye] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'invalid-field': {
    bad: flow({ nodes: [node('bye', 'message.text', { text: 42 })], edges: [helloToBye] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'unknown-field': {
    bad: flow({ nodes: [node('bye', 'message.text', { text: 'Bye', parse_mode: 'HTML' })], edges: [helloToBye] }),
    good: flow({ nodes: [node('bye', 'message.text', { text: 'Bye', parseMode: 'HTML' })], edges: [helloToBye] }),
  },
  'unknown-node-type': {
    bad: flow({ nodes: [node('bye', 'message.sticker', { text: 'Bye' })], edges: [helloToBye] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'invalid-regex': {
    bad: flow({ nodes: [node('greeting', 'trigger.text', { pattern: '^(?!spam)\\w+$' })], edges: [edge('greeting', 'hello')] }),
    good: flow({ nodes: [node('greeting', 'trigger.text', { pattern: '^\\w+$' })], edges: [edge('greeting', 'hello')] }),
  },
  'no-trigger': {
    bad: { nodes: [node('hello', 'message.text', { text: 'Hello' })] },
    good: flow(),
  },
  'duplicate-id': {
    bad: flow({ nodes: [node('hello', 'message.text', { text: 'Again' })], edges: [edge('hello', 'hello')] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'duplicate-variable': {
    bad: flow({
      variables: [variable('user', 'name', 'string'), variable('user', 'name', 'string')],
      nodes: [node('bye', 'message.text', { text: 'Bye {{ user.name }}' })],
      edges: [helloToBye],
    }),
    good: flow({
      variables: [variable('user', 'name', 'string'), variable('chat', 'name', 'string')],
      nodes: [node('bye', 'message.text', { text: 'Bye {{ user.name }} {{ chat.name }}' })],
      edges: [helloToBye],
    }),
  },
  'duplicate-trigger': {
    bad: flow({ nodes: [node('again', 'trigger.command', { command: '/start' })], edges: [edge('again', 'hello')] }),
    good: flow({ nodes: [node('help', 'trigger.command', { command: '/help' })], edges: [edge('help', 'hello')] }),
  },
  'unknown-node': {
    bad: flow({ edges: [edge('hello', 'nowhere')] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'invalid-target': {
    bad: flow({ nodes: [node('clear', 'message.delete', { target: 'start' })], edges: [edge('hello', 'clear')] }),
    good: flow({ nodes: [node('clear', 'message.delete', { target: 'hello' })], edges: [edge('hello', 'clear')] }),
  },
  'unknown-handle': {
    bad: flow({ nodes: [bye], edges: [edge('hello', 'bye', 'true')] }),
    good: flow({ nodes: [bye], edges: [edge('hello', 'bye', 'next')] }),
  },
  'ambiguous-handle': {
    bad: flow({ nodes: [bye, node('also', 'message.text', { text: 'Also' })], edges: [helloToBye, edge('hello', 'also')] }),
    good: flow({ nodes: [bye, node('also', 'message.text', { text: 'Also' })], edges: [helloToBye, edge('bye', 'also')] }),
  },
  'unconnected-handle': {
    bad: flow({
      nodes: [node('check', 'logic.condition', { condition: 'true' }), bye],
      edges: [edge('hello', 'check'), edge('check', 'bye', 'true')],
    }),
    good: flow({
      nodes: [node('check', 'logic.condition', { condition: 'true' }, { openHandles: ['false'] }), bye],
      edges: [edge('hello', 'check'), edge('check', 'bye', 'true')],
    }),
  },
  'open-handle-connected': {
    bad: flow({
      nodes: [node('check', 'logic.condition', { condition: 'true' }, { openHandles: ['false'] }), bye],
      edges: [edge('hello', 'check'), edge('check', 'bye', 'true'), edge('check', 'bye', 'false')],
    }),
    good: flow({
      nodes: [node('check', 'logic.condition', { condition: 'true' }), bye],
      edges: [edge('hello', 'check'), edge('check', 'bye', 'true'), edge('check', 'bye', 'false')],
    }),
  },
  'orphan-node': {
    bad: flow({ nodes: [bye] }),
    good: flow({ nodes: [bye], edges: [helloToBye] }),
  },
  'unreachable-node': {
    bad: flow({ nodes: [bye, node('later', 'message.text', { text: 'Later' })], edges: [edge('bye', 'later')] }),
    good: flow({ nodes: [bye, node('later', 'message.text', { text: 'Later' })], edges: [helloToBye, edge('bye', 'later')] }),
  },
  'infinite-loop': {
    bad: flow({ nodes: [bye], edges: [helloToBye, edge('bye', 'hello')] }),
    good: flow({
      nodes: [node('answer', 'wait.text', {}), bye],
      edges: [edge('hello', 'answer'), edge('answer', 'bye'), edge('bye', 'answer')],
    }),
  },
  'invalid-expression': {
    bad: flow({ nodes: [node('bye', 'message.text', { text: 'Bye {{ from.firstName + }}' })], edges: [helloToBye] }),
    good: flow({ nodes: [node('bye', 'message.text', { text: 'Bye {{ from.firstName }}' })], edges: [helloToBye] }),
  },
  'unknown-name': {
    bad: flow({ nodes: [node('bye', 'message.text', { text: 'Bye {{ globalThis.process }}' })], edges: [helloToBye] }),
    good: flow({ nodes: [node('bye', 'message.text', { text: 'Bye {{ from.username }}' })], edges: [helloToBye] }),
  },
  'undeclared-variable': {
    bad: flow({ nodes: [node('bye', 'message.text', { text: 'Balance: {{ user.balance }}' })], edges: [helloToBye] }),
    good: flow({
      variables: [variable('user', 'balance', 'number')],
      nodes: [node('bye', 'message.text', { text: 'Balance: {{ user.balance }}' })],
      edges: [helloToBye],
    }),
  },
  'dynamic-variable': {
    bad: flow({
      variables: [variable('user', 'tags', 'list')],
      nodes: [node('bye', 'message.text', { text: '{{ user[message.text] }} {{ user.tags }}' })],
      edges: [helloToBye],
    }),
    good: flow({
      variables: [variable('user', 'tags', 'list')],
      nodes: [node('bye', 'message.text', { text: '{{ user.tags[0] }}' })],
      edges: [helloToBye],
    }),
  },
  'variable-type': {
    bad: flow({
      variables: [variable('user', 'visits', 'string')],
      nodes: [node('count', 'action.set', { variable: 'user.visits', op: 'increment', value: '1' })],
      edges: [edge('hello', 'count')],
    }),
    good: flow({
      variables: [variable('user', 'visits', 'number')],
      nodes: [node('count', 'action.set', { variable: 'user.visits', op: 'increment', value: '1' })],
      edges: [edge('hello', 'count')],
    }),
  },
  'unused-variable': {
    bad: flow({ variables: [variable('run', 'spare', 'string')] }),
    good: flow({
      variables: [variable('run', 'spare', 'string')],
      nodes: [node('bye', 'message.text', { text: '{{ run.spare }}' })],
      edges: [helloToBye],
    }),
  },
};

describe('flow validation rules', () => {
  describe.each(Object.entries(rules))('%s', (code, { bad, good }) => {
    it('is reported for a flow that breaks the rule', () => {
      expect(codesOf(bad)).toContain(code);
    });

    it('is not reported for a flow that keeps it, which has no problems at all', () => {
      expect(problemsOf(good)).toEqual([]);
    });

    it(`has severity "${problemCodes[code as ProblemCode].severity}"`, () => {
      const found = problemsOf(bad).find((p) => p.code === code);
      expect(found?.severity).toBe(problemCodes[code as ProblemCode].severity);
    });
  });
});

describe('flow validator', () => {
  it('reports schema problems and graph problems of the same flow at once', () => {
    const problems = problemsOf(
      flow({
        nodes: [
          node('bye', 'message.text', { text: 42 }),
          node('lost', 'message.text', { text: 'Nobody reaches me' }),
          node('check', 'logic.condition', { condition: 'true' }),
        ],
        edges: [edge('hello', 'bye'), edge('hello', 'check')],
      }),
    );
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['invalid-field', 'bye'],
      ['orphan-node', 'lost'],
      ['unconnected-handle', 'check'],
      ['unconnected-handle', 'check'],
      ['ambiguous-handle', 'hello'],
    ]);
  });

  it('gives each problem a code, a severity, the node id and a JSON path to the field', () => {
    const [problem] = problemsOf(flow({ nodes: [node('bye', 'message.text', { text: 'Hi {{ user.nickname }}' })], edges: [helloToBye] }));
    expect(problem).toEqual({
      code: 'undeclared-variable',
      severity: 'error',
      nodeId: 'bye',
      path: ['nodes', 2, 'data', 'text'],
      message: 'variable user.nickname is not declared (declare it under "variables" with scope user)',
    });
  });

  it('names the position of an expression error', () => {
    const [problem] = problemsOf(
      flow({
        nodes: [node('check', 'logic.condition', { condition: 'run.x >' }, { openHandles: ['true', 'false'] })],
        edges: [edge('hello', 'check')],
      }),
    );
    expect(problem?.message).toBe('expression error at position 7: expression ends too early');
  });

  it('refuses a variable declared in another scope than the one read', () => {
    const problems = problemsOf(
      flow({
        variables: [variable('chat', 'lang', 'string')],
        nodes: [node('bye', 'message.text', { text: '{{ user.lang }} {{ chat.lang }}' })],
        edges: [helloToBye],
      }),
    );
    expect(problems.map((p) => p.message)).toEqual(['variable user.lang is not declared (declare it under "variables" with scope user)']);
  });

  it('checks the variables nodes write, not only those they read', () => {
    const problems = problemsOf(
      flow({
        nodes: [node('ask', 'wait.text', { variable: 'run.answer' }), node('balance', 'action.credits', { variable: 'run.balance' })],
        edges: [edge('hello', 'ask'), edge('ask', 'balance')],
      }),
    );
    expect(problems.map((p) => [p.code, p.path.join('.')])).toEqual([
      ['undeclared-variable', 'nodes.2.data.variable'],
      ['undeclared-variable', 'nodes.3.data.variable'],
    ]);
  });

  it('lets only saveResponse expressions of action.http read the response', () => {
    const http = node(
      'call',
      'action.http',
      {
        url: 'https://api.example.com/x?q={{ response.status }}',
        saveResponse: [{ variable: 'run.status', value: 'response.status' }],
      },
      { openHandles: ['success', 'error'] },
    );
    const problems = problemsOf(flow({ variables: [variable('run', 'status', 'number')], nodes: [http], edges: [edge('hello', 'call')] }));
    expect(problems.map((p) => [p.code, p.path.join('.')])).toEqual([['unknown-name', 'nodes.2.data.url']]);
  });

  it('knows the fields of context roots and reports typos in them', () => {
    const problems = problemsOf(
      flow({ nodes: [node('bye', 'message.text', { text: '{{ message.txt }} {{ event.payload.anything.deep }}' })], edges: [helloToBye] }),
    );
    expect(problems.map((p) => p.code)).toEqual(['unknown-name']);
    expect(problems[0]?.message).toContain('message.txt does not exist');
  });

  it('requires a wait with a timeout to connect or open its timeout handle', () => {
    const wait = node('ask', 'wait.text', { timeoutMs: 60_000 });
    expect(codesOf(flow({ nodes: [wait, bye], edges: [edge('hello', 'ask'), edge('ask', 'bye', 'next')] }))).toEqual([
      'unconnected-handle',
    ]);
    expect(
      codesOf(flow({ nodes: [wait, bye], edges: [edge('hello', 'ask'), edge('ask', 'bye', 'next'), edge('ask', 'bye', 'timeout')] })),
    ).toEqual([]);
  });

  it('asks an edge leaving a branching node to name its handle', () => {
    const problems = problemsOf(
      flow({
        nodes: [node('check', 'logic.condition', { condition: 'true' }, { openHandles: ['false'] }), bye],
        edges: [edge('hello', 'check'), edge('check', 'bye')],
      }),
    );
    expect(problems.map((p) => p.message)).toContainEqual(
      'edge "check->bye" must name which handle of logic.condition "check" it leaves from: "true", "false"',
    );
  });

  it('follows jumps for reachability and loops', () => {
    const jumpBack = node('back', 'logic.jump', { target: 'hello' });
    expect(codesOf(flow({ nodes: [jumpBack], edges: [edge('hello', 'back')] }))).toEqual(['infinite-loop']);
    const viaDelay = [node('pause', 'logic.delay', { delayMs: 60_000 }), node('back', 'logic.jump', { target: 'hello' })];
    expect(codesOf(flow({ nodes: viaDelay, edges: [edge('hello', 'pause'), edge('pause', 'back')] }))).toEqual([]);
  });

  it('does not count HTTP calls or sub-flows as pauses in a loop', () => {
    const poll = node('poll', 'action.http', { url: 'https://api.example.com/status' });
    const problems = problemsOf(
      flow({ nodes: [poll], edges: [edge('hello', 'poll'), edge('poll', 'hello', 'success'), edge('poll', 'hello', 'error')] }),
    );
    expect(problems.map((p) => p.message)).toEqual([
      'nodes "hello", "poll" form a loop with no wait or logic.delay, so a run would never stop',
    ]);
  });

  it('reports a switch case handle without an edge, unless the switch marks it open', () => {
    const switchNode = (open: string[]) =>
      node(
        'pick',
        'logic.switch',
        {
          value: 'message.text',
          cases: [
            { id: 'yes', equals: 'yes' },
            { id: 'no', equals: 'no' },
          ],
        },
        { openHandles: open },
      );
    const edges = [edge('hello', 'pick'), edge('pick', 'bye', 'yes')];
    expect(problemsOf(flow({ nodes: [switchNode([]), bye], edges })).map((p) => p.message)).toEqual([
      'handle "no" has no edge; connect it, or list it in openHandles to end the run there',
      'handle "default" has no edge; connect it, or list it in openHandles to end the run there',
    ]);
    expect(problemsOf(flow({ nodes: [switchNode(['no', 'default']), bye], edges }))).toEqual([]);
  });

  it('reports a duplicate edge id', () => {
    const twice = { ...helloToBye };
    expect(
      codesOf(
        flow({ nodes: [bye, node('b2', 'message.text', { text: 'x' })], edges: [helloToBye, { ...twice, source: 'bye', target: 'b2' }] }),
      ),
    ).toEqual(['duplicate-id']);
  });

  it('does not run author text: a hostile template is a validation error and nothing else', () => {
    const problems = problemsOf(
      flow({ nodes: [node('bye', 'message.text', { text: '{{ constructor.constructor("return process")() }}' })], edges: [helloToBye] }),
    );
    expect(problems.map((p) => p.code)).toEqual(['invalid-expression']);
  });

  it('returns problems in document order: flow-wide, variables, nodes, edges', () => {
    const problems = problemsOf({
      variables: [variable('run', 'unused', 'string')],
      nodes: [node('lonely', 'message.text', { text: 'x' })],
      edges: [edge('lonely', 'ghost')],
    });
    expect(problems.map((p) => p.code)).toEqual(['no-trigger', 'unused-variable', 'unreachable-node', 'unknown-node']);
  });

  it('returns the parsed flow with defaults applied when its shape is valid', () => {
    const result = checkFlow(flow());
    expect(result.flow?.settings.debounceMs).toBe(0);
    expect(result.publishable).toBe(true);
  });
});
