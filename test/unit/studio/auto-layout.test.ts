import fs from 'node:fs';
import path from 'node:path';
import { autoLayout, estimateSize, freeSpot, layoutIfUnplaced, type Size } from '../../../studio/src/editor/auto-layout';
import { toDoc, type FlowDoc } from '../../../studio/src/flow/doc';

const examples = path.resolve(__dirname, '../../../examples/flows');
const example = (name: string): FlowDoc => toDoc(JSON.parse(fs.readFileSync(path.join(examples, name), 'utf8')));
const unplaced = (doc: FlowDoc): FlowDoc => ({ ...doc, nodes: doc.nodes.map(({ position: _gone, ...n }) => n) });

function boxes(doc: FlowDoc, sizes: ReadonlyMap<string, Size>) {
  return doc.nodes.map((n) => ({ id: n.id, ...n.position!, ...(sizes.get(n.id) ?? estimateSize(n)) }));
}

function overlaps(doc: FlowDoc, sizes: ReadonlyMap<string, Size> = new Map()): string[] {
  const all = boxes(doc, sizes);
  const found: string[] = [];
  for (const [i, a] of all.entries())
    for (const b of all.slice(i + 1))
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.id}/${b.id}`);
  return found;
}

describe('auto layout', () => {
  it.each(fs.readdirSync(examples).filter((f) => f.endsWith('.json')))(
    'lays out %s without overlaps, every edge of its spanning tree pointing right',
    (file) => {
      const doc = autoLayout(unplaced(example(file)), new Map());
      expect(doc.nodes.every((n) => n.position && Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
      expect(overlaps(doc)).toEqual([]);
      // Cycles (back to a menu) must point somewhere; most edges, and every edge out of a trigger, point right.
      const at = new Map(doc.nodes.map((n) => [n.id, n.position!.x]));
      const rightwards = doc.edges.filter((e) => at.get(e.target)! > at.get(e.source)!);
      expect(rightwards.length).toBeGreaterThan(doc.edges.length / 2);
      for (const trigger of doc.nodes.filter((n) => n.type.startsWith('trigger.')))
        for (const e of doc.edges.filter((e) => e.source === trigger.id)) expect(at.get(e.target)!).toBeGreaterThan(at.get(trigger.id)!);
    },
  );

  it('orders a chain left to right and respects the sizes it is given', () => {
    const chain = toDoc({
      nodes: ['a', 'b', 'c'].map((id) => ({ id, type: 'logic.delay', data: { delayMs: 1000 } })),
      edges: [
        { id: 'bc', source: 'b', target: 'c' },
        { id: 'ab', source: 'a', target: 'b' },
      ],
    });
    const wide = new Map<string, Size>([['a', { width: 900, height: 60 }]]);
    const doc = autoLayout(chain, wide);
    const [a, b, c] = doc.nodes.map((n) => n.position!);
    expect(b!.x).toBeGreaterThanOrEqual(a!.x + 900);
    expect(c!.x).toBeGreaterThan(b!.x);
    expect(overlaps(doc, wide)).toEqual([]);
  });

  it('keeps a branching node’s targets in handle order top to bottom where dagre lets it (true above false)', () => {
    const doc = autoLayout(
      toDoc({
        nodes: [
          { id: 'if', type: 'logic.condition', data: { condition: 'true' } },
          { id: 'second', type: 'logic.end', data: {} },
          { id: 'first', type: 'logic.end', data: {} },
        ],
        edges: [
          { id: 'f', source: 'if', sourceHandle: 'false', target: 'second' },
          { id: 't', source: 'if', sourceHandle: 'true', target: 'first' },
        ],
      }),
      new Map(),
    );
    const y = (id: string) => doc.nodes.find((n) => n.id === id)!.position!.y;
    expect(y('first')).toBeLessThan(y('second'));
  });

  it('keeps a switch’s case targets in case order, and survives contradicting orders from two branching nodes', () => {
    const doc = autoLayout(
      toDoc({
        nodes: [
          { id: 'start', type: 'trigger.command', data: { command: '/x' } },
          {
            id: 'sw',
            type: 'logic.switch',
            data: {
              value: '1',
              cases: [
                { id: 'a', equals: 1 },
                { id: 'b', equals: 2 },
              ],
            },
          },
          { id: 'if', type: 'logic.condition', data: { condition: 'true' } },
          { id: 'z', type: 'logic.end', data: {} },
          { id: 'y', type: 'logic.end', data: {} },
          { id: 'x', type: 'logic.end', data: {} },
        ],
        edges: [
          { id: 's1', source: 'start', target: 'sw' },
          { id: 'd', source: 'sw', sourceHandle: 'default', target: 'z' },
          { id: 'b', source: 'sw', sourceHandle: 'b', target: 'y' },
          { id: 'a', source: 'sw', sourceHandle: 'a', target: 'x' },
          { id: 's2', source: 'start', target: 'if' },
          { id: 'f', source: 'if', sourceHandle: 'false', target: 'x' },
          { id: 't', source: 'if', sourceHandle: 'true', target: 'z' },
        ],
      }),
      new Map(),
    );
    const y = (id: string) => doc.nodes.find((n) => n.id === id)!.position!.y;
    expect(y('x')).toBeLessThan(y('y'));
    expect(y('y')).toBeLessThan(y('z'));
    expect(overlaps(doc)).toEqual([]);
  });

  it('leaves an empty flow alone, and lays out on load only when a node has no position', () => {
    const empty = toDoc({});
    expect(autoLayout(empty, new Map())).toBe(empty);
    const placed = example('loyalty.json');
    expect(layoutIfUnplaced(placed)).toBe(placed);
    const partly = { ...placed, nodes: placed.nodes.map((n, i) => (i === 0 ? { ...n, position: undefined } : n)) };
    expect(layoutIfUnplaced(partly).nodes.every((n) => n.position)).toBe(true);
  });

  it('survives edges to missing nodes and self loops (a draft may have both)', () => {
    const doc = autoLayout(
      toDoc({
        nodes: [{ id: 'w', type: 'wait.text', data: {} }],
        edges: [
          { id: 'loop', source: 'w', target: 'w' },
          { id: 'dangling', source: 'w', sourceHandle: 'timeout', target: 'gone' },
        ],
      }),
      new Map(),
    );
    expect(doc.nodes[0]!.position).toEqual({ x: expect.any(Number), y: expect.any(Number) });
  });

  it('finds a free spot for a node added in the middle of the view: the middle when free, else the nearest one around it', () => {
    const card = { width: 220, height: 90 };
    const empty = toDoc({});
    expect(freeSpot(empty, { x: 10, y: 20 }, card)).toEqual({ x: 10, y: 20 });
    let doc = empty;
    for (let i = 0; i < 6; i++) {
      const spot = freeSpot(doc, { x: 0, y: 0 }, card);
      doc = { ...doc, nodes: [...doc.nodes, { id: `n${i}`, type: 'message.text', data: { text: 'x' }, position: spot }] };
    }
    expect(doc.nodes[0]!.position).toEqual({ x: 0, y: 0 });
    expect(overlaps(doc)).toEqual([]);
    const far = doc.nodes.map((n) => Math.hypot(n.position!.x, n.position!.y));
    expect(Math.max(...far)).toBeLessThan(800);
  });
});
