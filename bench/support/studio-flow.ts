/** The flows the studio bench opens. */
/** A valid flow of `count` nodes: /start, then messages, a condition every tenth node. */
export function benchFlow(count: number, withPositions: boolean): Record<string, unknown> {
  const nodes: Record<string, unknown>[] = [{ id: 'start', type: 'trigger.command', data: { command: '/start' } }];
  const edges: Record<string, unknown>[] = [];
  let previous = { id: 'start', handle: 'next' };
  for (let i = 1; i < count; i++) {
    const id = `n${i}`;
    const condition = i % 10 === 0 && i < count - 1;
    nodes.push(
      condition
        ? { id, type: 'logic.condition', data: { condition: `run.step > ${i}` } }
        : { id, type: 'message.text', data: { text: `Step ${i} of the bench flow, {{ from.firstName }}.` } },
    );
    edges.push({ id: `e${i}`, source: previous.id, sourceHandle: previous.handle, target: id });
    if (condition) {
      // `false` goes on along the chain; `true` ends the run.
      nodes[nodes.length - 1]!.openHandles = ['true'];
      previous = { id, handle: 'false' };
    } else previous = { id, handle: 'next' };
  }
  if (withPositions) nodes.forEach((node, i) => (node.position = { x: (i % 20) * 280, y: Math.floor(i / 20) * 180 }));
  return {
    variables: [{ name: 'step', scope: 'run', type: 'number', default: 0 }],
    nodes,
    edges,
  };
}
