import { NEXT } from './next-handle';
import { nodeCatalogue } from './nodes';
import type { FlowEdge, FlowNode } from './schema';

/** Output handles of a node, from its type and data (a switch has one per case, …). */
export function outputHandles(node: FlowNode): readonly string[] {
  // TypeScript cannot correlate `node.type` with `node.data` across the union; the schema does.
  const outputs = nodeCatalogue[node.type].outputs as (data: FlowNode['data']) => readonly string[];
  return outputs(node.data);
}

/** The handle an edge leaves from. React Flow omits it (or sends null) for a node's only handle. */
export function edgeHandle(edge: Pick<FlowEdge, 'sourceHandle'>): string {
  return edge.sourceHandle ?? NEXT;
}
