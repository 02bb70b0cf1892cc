// Graph algorithms over node indexes. Iterative, so a 5,000-node chain cannot overflow the
// stack, and linear in nodes plus edges.

/** Adjacency lists: `successors[i]` are the indexes node `i` can continue to. */
export type Successors = readonly (readonly number[])[];

/** Indexes reachable from `starts`. */
export function reachableFrom(successors: Successors, starts: readonly number[]): Set<number> {
  const seen = new Set<number>(starts);
  const stack = [...starts];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    for (const next of successors[node] ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

/**
 * Cycles among the nodes `include` admits: every strongly connected component with more than
 * one node, or one node with an edge to itself. Tarjan's algorithm with an explicit stack.
 */
export function findCycles(successors: Successors, include: (node: number) => boolean): number[][] {
  const count = successors.length;
  const order = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const component: number[] = [];
  const cycles: number[][] = [];
  let counter = 0;
  const edgesOf = (node: number): readonly number[] => (successors[node] ?? []).filter(include);

  for (let root = 0; root < count; root++) {
    if (order[root] !== -1 || !include(root)) continue;
    // Each frame: a node and how many of its successors have been looked at.
    const frames: { node: number; next: number; edges: readonly number[] }[] = [];
    const open = (node: number): void => {
      order[node] = low[node] = counter++;
      component.push(node);
      onStack[node] = true;
      frames.push({ node, next: 0, edges: edgesOf(node) });
    };
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as (typeof frames)[number];
      const next = frame.edges[frame.next++];
      if (next !== undefined) {
        if (order[next] === -1) open(next);
        else if (onStack[next]) low[frame.node] = Math.min(low[frame.node] as number, order[next] as number);
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
      if (low[frame.node] !== order[frame.node]) continue;
      const members: number[] = [];
      for (let member = component.pop(); member !== undefined; member = component.pop()) {
        onStack[member] = false;
        members.push(member);
        if (member === frame.node) break;
      }
      if (members.length > 1 || frame.edges.includes(frame.node)) cycles.push(members.sort((a, b) => a - b));
    }
  }
  return cycles;
}
