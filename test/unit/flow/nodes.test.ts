import { flowNodeSchema, type NodeType, nodeCatalogue, nodeTypes, outputHandles, parseFlow } from '../../../src/flow';
import { flow, node } from './flow-builder';

// For every node type: data that breaks one field, and the field the problem must name.
const invalidData: Record<NodeType, { readonly data: Record<string, unknown>; readonly field: string }> = {
  'trigger.command': { data: { command: 'start' }, field: 'command' },
  'trigger.text': { data: { pattern: '(?=a)b' }, field: 'pattern' },
  'trigger.callback': { data: { data: 'x'.repeat(65) }, field: 'data' },
  'trigger.event': { data: { name: 'has space' }, field: 'name' },
  'message.text': { data: { text: '' }, field: 'text' },
  'message.photo': { data: { url: 'ftp://example.com/a.png' }, field: 'url' },
  'message.video': { data: { fileId: 'abc', caption: 'x'.repeat(1_025) }, field: 'caption' },
  'message.document': { data: { url: 'https://example.com/a.pdf', fileId: 'abc' }, field: 'url' },
  'message.edit': { data: { text: 'Hi', keyboard: { type: 'reply', rows: [[{ text: 'A' }]] } }, field: 'keyboard.type' },
  'message.delete': { data: { target: '' }, field: 'target' },
  'wait.text': { data: { timeoutMs: 10 }, field: 'timeoutMs' },
  'wait.button': { data: { accept: [] }, field: 'accept' },
  'wait.contact': { data: { variable: 'phone' }, field: 'variable' },
  'logic.condition': { data: {}, field: 'condition' },
  'logic.switch': { data: { value: 'message.text', cases: [{ id: 'default', equals: 'x' }] }, field: 'cases[0].id' },
  'logic.jump': { data: { target: 42 }, field: 'target' },
  'logic.delay': { data: { delayMs: 1.5 }, field: 'delayMs' },
  'logic.subflow': { data: { flowId: 'other' }, field: 'event' },
  'logic.end': { data: { reason: 'done' }, field: 'reason' },
  'action.set': { data: { variable: 'run.x', op: 'multiply', value: '1' }, field: 'op' },
  'action.http': { data: { url: 'https://{{ run.host }}/x' }, field: 'url' },
  'action.notify': { data: { chatId: '{{ bot.admin }}' }, field: 'text' },
  'action.analytics': { data: { event: 'signup', properties: { 'bad key': 'run.x' } }, field: 'properties' },
  'action.generation': { data: { kind: 'story', prompt: 'x'.repeat(4_001) }, field: 'prompt' },
  'action.credits': { data: { variable: 'wallet.balance' }, field: 'variable' },
  'payment.invoice': { data: { title: 'Pack', description: 'Credits', stars: 0, credits: 10 }, field: 'stars' },
};

describe('node catalogue', () => {
  describe.each(nodeTypes)('%s', (type) => {
    const spec = nodeCatalogue[type];

    it('accepts its documented example', () => {
      expect(flowNodeSchema.safeParse({ id: 'n', type, data: spec.example }).success).toBe(true);
    });

    it('rejects invalid data with a problem that names the field', () => {
      const { data, field } = invalidData[type];
      const result = parseFlow(flow({ nodes: [node('broken', type, data)] }));
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      const named = problems.filter((p) => p.nodeId === 'broken' && p.message.includes(`"${field}"`));
      expect(named).not.toEqual([]);
    });

    it('rejects unknown fields in data, so a typo is never silently dropped', () => {
      const result = parseFlow(flow({ nodes: [node('typo', type, { ...spec.example, labell: 'x' })] }));
      expect(result.ok ? [] : result.problems).toContainEqual(
        expect.objectContaining({ code: 'unknown-field', nodeId: 'typo', message: 'unknown field "labell"' }),
      );
    });

    it('documents every output handle it has', () => {
      const parsed = flowNodeSchema.parse({ id: 'n', type, data: spec.example });
      // A switch names its case handles by the case ids; the docs say so in words.
      const caseIds: readonly string[] = parsed.type === 'logic.switch' ? parsed.data.cases.map((c) => c.id) : [];
      const undocumented = outputHandles(parsed).filter((h) => !caseIds.includes(h) && !spec.handles.includes(`\`${h}\``));
      expect(undocumented).toEqual([]);
    });
  });

  it('keeps fields an editor adds to nodes and edges (React Flow shape)', () => {
    const input = flow();
    const result = parseFlow({
      ...input,
      viewport: { x: 0, y: 0, zoom: 1 },
      nodes: input.nodes.map((n) => ({ ...n, position: { x: 1, y: 2 }, selected: true, measured: { width: 10, height: 5 } })),
      edges: (input.edges ?? []).map((e) => ({ ...e, sourceHandle: null, animated: true })),
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.flow.nodes[0]).toMatchObject({ selected: true, position: { x: 1, y: 2 } });
  });

  it('reports an unknown node type by name', () => {
    const result = parseFlow(flow({ nodes: [node('x', 'message.sticker', {})] }));
    expect(result.ok ? [] : result.problems).toEqual([
      expect.objectContaining({
        code: 'unknown-node-type',
        nodeId: 'x',
        path: ['nodes', 2, 'type'],
        message: expect.stringContaining('"message.sticker"'),
      }),
    ]);
  });

  it('reports a missing required field as missing', () => {
    const result = parseFlow(flow({ nodes: [node('cond', 'logic.condition', {})] }));
    expect(result.ok ? [] : result.problems).toEqual([
      {
        code: 'missing-field',
        severity: 'error',
        nodeId: 'cond',
        path: ['nodes', 2, 'data', 'condition'],
        message: 'missing required field "condition"',
      },
    ]);
  });

  it('applies defaults: settings, http method and timeout, set operation', () => {
    const result = parseFlow(
      flow({
        nodes: [
          node('call', 'action.http', { url: 'https://api.example.com' }),
          node('inc', 'action.set', { variable: 'run.x', value: '1' }),
        ],
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.flow.settings).toEqual({ debounceMs: 0, idleTimeoutMs: 86_400_000, defaultLocale: 'en' });
    expect(result.flow.nodes[2]?.data).toMatchObject({ method: 'GET', timeoutMs: 10_000 });
    expect(result.flow.nodes[3]?.data).toMatchObject({ op: 'set' });
  });

  it('gives a switch one handle per case plus default, and a wait a timeout handle only with a timeout', () => {
    const switchNode = flowNodeSchema.parse({
      id: 's',
      type: 'logic.switch',
      data: {
        value: 'message.text',
        cases: [
          { id: 'a', equals: 'a' },
          { id: 'b', equals: 1 },
        ],
      },
    });
    expect(outputHandles(switchNode)).toEqual(['a', 'b', 'default']);
    expect(outputHandles(flowNodeSchema.parse({ id: 'w', type: 'wait.text', data: {} }))).toEqual(['next']);
    expect(outputHandles(flowNodeSchema.parse({ id: 'w', type: 'wait.text', data: { timeoutMs: 1_000 } }))).toEqual(['next', 'timeout']);
  });

  it("checks callback data against Telegram's 64-byte limit in UTF-8, not characters", () => {
    const cyrillic = 'д'.repeat(33); // 33 characters, 66 bytes
    const result = parseFlow(flow({ nodes: [node('cb', 'trigger.callback', { data: cyrillic })] }));
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([
      '"data": must be at most 64 bytes of UTF-8 (a Telegram limit)',
    ]);
  });

  it('refuses variable names that reach JavaScript prototypes', () => {
    const result = parseFlow({ ...flow(), variables: [{ name: '__proto__', scope: 'user', type: 'object' }] });
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['invalid-field']);
  });
});
