import { addNode, emptyFlow, type FlowDoc } from '../../../studio/src/flow/doc';
import { FlowHistory } from '../../../studio/src/flow/history';

const withNode = (id: string) => (doc: FlowDoc) => addNode(doc, { id, type: 'logic.end', data: {} });
const ids = (history: FlowHistory) => history.doc.nodes.map((n) => n.id);
const setText = (text: string) => (doc: FlowDoc) => ({ ...doc, settings: { text } });

describe('FlowHistory', () => {
  it('undoes and redoes edits in order, and a new edit drops the redo stack', () => {
    const history = new FlowHistory(emptyFlow());
    history.apply(withNode('a'));
    history.apply(withNode('b'));
    history.undo();
    expect(ids(history)).toEqual(['a']);
    history.redo();
    expect(ids(history)).toEqual(['a', 'b']);
    history.undo();
    history.undo();
    expect(ids(history)).toEqual([]);
    expect(history.canUndo).toBe(false);
    history.undo(); // nothing left: no change, no error
    history.redo();
    history.apply(withNode('c'));
    expect(ids(history)).toEqual(['a', 'c']);
    expect(history.canRedo).toBe(false);
  });

  it('merges edits with the same coalesce key in a row into one step, but not across another edit or an undo', () => {
    const history = new FlowHistory(emptyFlow());
    for (const text of ['h', 'he', 'hel']) history.apply(setText(text), 'field:text');
    history.apply(withNode('a'));
    history.apply(setText('x'), 'field:text');
    history.apply(setText('xy'), 'field:text');
    history.undo();
    expect(history.doc.settings).toEqual({ text: 'hel' });
    history.undo();
    expect(ids(history)).toEqual([]);
    expect(history.doc.settings).toEqual({ text: 'hel' });
    history.undo();
    expect(history.doc).toEqual(emptyFlow());
    history.redo();
    history.apply(setText('again'), 'field:text');
    history.apply(setText('again!'), 'field:text');
    history.undo();
    expect(history.doc.settings).toEqual({ text: 'hel' });
  });

  it('ignores an edit that changes nothing, and tells subscribers of every change', () => {
    const history = new FlowHistory(emptyFlow());
    const seen: number[] = [];
    const stop = history.subscribe(() => seen.push(history.revision));
    history.apply((doc) => doc);
    expect(history.canUndo).toBe(false);
    history.apply(withNode('a'));
    history.undo();
    history.redo();
    stop();
    history.apply(withNode('b'));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('keeps at most `limit` undo steps, dropping the oldest', () => {
    const history = new FlowHistory(emptyFlow(), 3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) history.apply(withNode(id));
    let undone = 0;
    while (history.canUndo) {
      history.undo();
      undone++;
    }
    expect(undone).toBe(3);
    expect(ids(history)).toEqual(['a', 'b']);
  });

  it('reset replaces the document and forgets both stacks', () => {
    const history = new FlowHistory(emptyFlow());
    history.apply(withNode('a'));
    history.undo();
    history.reset({ ...emptyFlow(), nodes: [{ id: 'server', type: 'logic.end', data: {} }] });
    expect(history.canUndo || history.canRedo).toBe(false);
    expect(ids(history)).toEqual(['server']);
  });
});
