import { addNode, connect, removeElements, renameNode, setHandleOpen, toDoc, type FlowDoc } from '../../../studio/src/flow/doc';
import { renameNodeEverywhere } from '../../../studio/src/editor/properties/rename';

const flow = (): FlowDoc =>
  toDoc({
    nodes: [
      { id: 'start', type: 'trigger.command', data: { command: '/start' } },
      { id: 'ask', type: 'logic.condition', data: { condition: 'true' }, openHandles: ['false'] },
      { id: 'yes', type: 'message.text', data: { text: 'yes' } },
      { id: 'no', type: 'message.text', data: { text: 'no' } },
      { id: 'back', type: 'logic.jump', data: { target: 'ask' } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask' },
      { id: 'e2', source: 'ask', sourceHandle: 'true', target: 'yes' },
    ],
  });

describe('the studio document edits', () => {
  it('connect replaces the edge that left the same handle, and leaves other handles alone', () => {
    const doc = connect(flow(), 'ask', 'true', 'no');
    expect(doc.edges.filter((e) => e.source === 'ask')).toEqual([expect.objectContaining({ sourceHandle: 'true', target: 'no' })]);
    expect(doc.edges.find((e) => e.id === 'e1')).toEqual(flow().edges[0]);
    // An edge without sourceHandle leaves `next`: connecting `next` again replaces it too.
    const implicit = connect(toDoc({ ...flow(), edges: [{ id: 'x', source: 'start', target: 'ask' }] }), 'start', 'next', 'yes');
    expect(implicit.edges).toEqual([expect.objectContaining({ source: 'start', sourceHandle: 'next', target: 'yes' })]);
  });

  it('connect unmarks a handle that was deliberately open, and keeps edge ids unique', () => {
    const doc = connect(flow(), 'ask', 'false', 'no');
    expect(doc.nodes.find((n) => n.id === 'ask')).not.toHaveProperty('openHandles');
    const ids = connect(connect(doc, 'ask', 'false', 'yes'), 'ask', 'false', 'no').edges.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('removing a node removes every edge at it, in and out', () => {
    const doc = removeElements(flow(), new Set(['ask']), new Set());
    expect(doc.nodes.map((n) => n.id)).toEqual(['start', 'yes', 'no', 'back']);
    expect(doc.edges).toEqual([]);
    expect(removeElements(flow(), new Set(), new Set(['e2'])).edges.map((e) => e.id)).toEqual(['e1']);
  });

  it('rename moves the edges along, and refuses a taken, empty or unknown id', () => {
    const doc = renameNode(flow(), 'ask', 'question');
    expect(doc.nodes.map((n) => n.id)).toContain('question');
    expect(doc.edges).toEqual([
      expect.objectContaining({ source: 'start', target: 'question' }),
      expect.objectContaining({ source: 'question', target: 'yes' }),
    ]);
    const original = flow();
    expect(renameNode(original, 'ask', 'yes')).toBe(original);
    expect(renameNode(original, 'ask', '')).toBe(original);
    expect(renameNode(original, 'nobody', 'x')).toBe(original);
  });

  it('rename everywhere also rewrites the node ids other nodes hold (a jump target)', () => {
    const doc = renameNodeEverywhere(flow(), 'ask', 'question');
    expect(doc.nodes.find((n) => n.id === 'back')?.data).toEqual({ target: 'question' });
    // A text that merely equals the old id is not a reference.
    const texts = renameNodeEverywhere(flow(), 'yes', 'ok');
    expect(texts.nodes.find((n) => n.id === 'yes' || n.id === 'ok')?.data).toEqual({ text: 'yes' });
  });

  it('marks and unmarks open handles without duplicates, and edits are pure', () => {
    const original = flow();
    const twice = setHandleOpen(setHandleOpen(original, 'ask', 'true', true), 'ask', 'true', true);
    expect(twice.nodes.find((n) => n.id === 'ask')?.openHandles).toEqual(['false', 'true']);
    expect(setHandleOpen(twice, 'ask', 'false', false).nodes.find((n) => n.id === 'ask')?.openHandles).toEqual(['true']);
    addNode(original, { id: 'z', type: 'logic.end', data: {} });
    expect(original).toEqual(flow());
  });
});
