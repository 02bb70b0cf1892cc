import type { Problem } from '../../../src/flow';
import type { FlowDoc } from '../flow/doc';
import type { CanvasMarks } from './Canvas';

/** The node or edge a problem is about, from its node id or its JSON path (`['edges', 3, …]`). */
export function problemTarget(doc: FlowDoc, problem: Problem): { kind: 'node' | 'edge'; id: string } | null {
  if (problem.nodeId !== undefined) return { kind: 'node', id: problem.nodeId };
  const [root, index] = problem.path;
  if (root === 'nodes' && typeof index === 'number' && doc.nodes[index]) return { kind: 'node', id: doc.nodes[index].id };
  if (root === 'edges' && typeof index === 'number' && doc.edges[index]) return { kind: 'edge', id: doc.edges[index].id };
  return null;
}

/** Nodes and edges with an error get the `problem` mark; with only warnings, `warning`. */
export function problemMarks(doc: FlowDoc, problems: readonly Problem[]): CanvasMarks {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const problem of problems) {
    const target = problemTarget(doc, problem);
    if (!target) continue;
    const map = target.kind === 'node' ? nodes : edges;
    const mark = problem.severity === 'error' ? 'problem' : 'warning';
    const current = map.get(target.id) ?? [];
    if (!current.includes(mark)) map.set(target.id, [...current, mark]);
  }
  return { nodes, edges };
}
