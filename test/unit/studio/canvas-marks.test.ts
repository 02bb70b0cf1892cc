import fs from 'node:fs';
import path from 'node:path';
import { diffPicture } from '../../../studio/src/flow/diff-marks';
import { toDoc, type FlowDoc } from '../../../studio/src/flow/doc';
import { mergeSteps, pathMarks, type ChatStep } from '../../../studio/src/flow/path-marks';

const loyalty = (): FlowDoc => toDoc(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../examples/flows/loyalty.json'), 'utf8')));
const marked = (map: Map<string, string[]>) => Object.fromEntries([...map].map(([id, classes]) => [id, classes.join(' ')]));

describe('the studio: a diff drawn on the canvas', () => {
  it('draws removed nodes and edges where they stood and marks added, changed and removed ones', () => {
    const before = loyalty();
    const after: FlowDoc = {
      ...before,
      nodes: [
        ...before.nodes
          .filter((n) => n.id !== 'referral-link')
          // Moving a node is no change; editing its text is.
          .map((n) => (n.id === 'ask-topic' ? { ...n, data: { ...n.data, text: 'About what?' } } : n))
          .map((n) => (n.id === 'menu' ? { ...n, position: { x: 9, y: 9 } } : n)),
        { id: 'bye', type: 'message.text', position: { x: 0, y: 0 }, data: { text: 'Bye' } },
      ],
      edges: [...before.edges.filter((e) => e.target !== 'referral-link'), { id: 'on-referral-bye', source: 'on-referral', target: 'bye' }],
    };
    const picture = diffPicture(before, after);
    expect(marked(picture.marks.nodes)).toEqual({ bye: 'diff-added', 'referral-link': 'diff-removed', 'ask-topic': 'diff-changed' });
    expect(marked(picture.marks.edges)).toEqual({ 'on-referral-bye': 'diff-added', 'on-referral-referral-link': 'diff-removed' });
    // The removed node and edge are in the picture, with the old position, once.
    const removed = picture.doc.nodes.filter((n) => n.id === 'referral-link');
    expect(removed).toEqual([before.nodes.find((n) => n.id === 'referral-link')]);
    expect(picture.doc.edges.filter((e) => e.id === 'on-referral-referral-link')).toHaveLength(1);
    expect(picture.doc.nodes).toHaveLength(before.nodes.length + 1);
    expect(picture.summary).toEqual(['3 nodes: 1 added, 1 removed, 1 changed', '2 edges: 1 added, 1 removed']);
  });

  it('says so when only positions changed, and takes unfinished drafts without throwing', () => {
    const before = loyalty();
    const moved = { ...before, nodes: before.nodes.map((n) => ({ ...n, position: { x: 1, y: 2 } })) };
    expect(diffPicture(before, moved).summary).toEqual(['No change in behaviour (positions aside)']);
    const empty = toDoc({ nodes: 'not a list', edges: null });
    const picture = diffPicture(before, empty);
    expect(picture.diff.nodes.removed).toHaveLength(before.nodes.length);
    expect(picture.doc.nodes).toHaveLength(before.nodes.length);
    expect([...picture.marks.nodes.values()].every((m) => m.join() === 'diff-removed')).toBe(true);
  });

  it('reports changed variables and settings', () => {
    const before = loyalty();
    const after = { ...before, settings: { ...before.settings, idleTimeoutMs: 1 }, variables: before.variables.slice(1) };
    expect(diffPicture(before, after).summary).toEqual(['1 variable: 1 removed', 'Settings changed']);
  });
});

describe("the studio: a chat's path on its flow", () => {
  let seq = 0;
  const step = (kind: ChatStep['kind'], nodeId: string | null, detail: string): ChatStep => ({
    seq: ++seq,
    at: 0,
    kind,
    nodeId,
    nodeType: null,
    detail,
    durationMs: 0,
  });

  it('marks the nodes run, the edges taken by handle or into the next node, the triggers, and the node waited at', () => {
    // As the chat workflow records them: triggers are no steps; an input precedes the nodes it ran.
    const steps = [
      step('input', null, 'command /start'),
      step('node', 'is-referral', 'took false'),
      step('node', 'menu-balance', 'took ok'),
      step('node', 'menu', 'took next'),
      step('input', null, 'button story'),
      step('node', 'ask-topic', 'took next'),
      step('node', 'topic', 'waiting'),
      step('input', null, 'text (5 characters)'),
      step('node', 'generate', 'waiting'),
    ];
    const marks = pathMarks(loyalty(), steps, 'generate');
    expect(marked(marks.nodes)).toEqual({
      start: 'visited',
      'is-referral': 'visited',
      'menu-balance': 'visited',
      menu: 'visited',
      'on-story': 'visited',
      'ask-topic': 'visited',
      topic: 'visited',
      generate: 'visited active',
    });
    expect(Object.keys(marked(marks.edges)).sort()).toEqual(
      // menu-balance took a handle no edge leaves by: no edge; the wait left by the edge into generate.
      ['ask-topic-topic', 'is-referral-false-menu-balance', 'on-story-ask-topic', 'start-is-referral', 'topic-next-generate'].sort(),
    );
  });

  it('tells triggers leading to the same node apart by the command or button data the input names, or marks none', () => {
    const flow = loyalty();
    const doc: FlowDoc = {
      ...flow,
      nodes: [...flow.nodes, { id: 'on-back', type: 'trigger.callback', data: { data: 'back' } }],
      edges: [...flow.edges, { id: 'on-back-menu-balance', source: 'on-back', target: 'menu-balance' }],
    };
    const after = (input: string) => {
      const marks = pathMarks(doc, [step('input', null, input), step('node', 'menu-balance', 'took next')], null);
      return [...marks.nodes.keys()].filter((id) => id.startsWith('on-'));
    };
    expect(after('button back')).toEqual(['on-back']);
    expect(after('button menu')).toEqual(['on-menu']);
    expect(after('text (4 characters)')).toEqual([]);
  });

  it('marks a current node even before any step, and nothing that is not in the flow', () => {
    const marks = pathMarks(loyalty(), [step('node', 'gone', 'took next'), step('error', 'gone', 'boom')], 'topic');
    expect(marked(marks.nodes)).toEqual({ gone: 'visited', topic: 'active' });
    expect(marks.edges.size).toBe(0);
  });

  it('merges resumed streams without doubles, in order, keeping the newest', () => {
    const a = [step('input', null, 'a'), step('input', null, 'b')];
    const b = [a[1]!, step('input', null, 'c')];
    expect(mergeSteps(a, b).map((s) => s.detail)).toEqual(['a', 'b', 'c']);
    expect(mergeSteps(b, a).map((s) => s.detail)).toEqual(['a', 'b', 'c']);
    expect(mergeSteps(a, b, 2).map((s) => s.detail)).toEqual(['b', 'c']);
  });
});
