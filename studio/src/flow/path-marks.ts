import type { FlowDoc } from './doc';
import type { MarkMaps } from './marks';

/** A running chat's step, as the executions API and its live stream send it. */
export interface ChatStep {
  seq: number;
  at: number;
  kind: 'input' | 'node' | 'error' | 'blocked';
  nodeId: string | null;
  nodeType: string | null;
  detail: string;
  durationMs: number;
}

/** Steps merged by sequence number (a reconnected stream may repeat some), oldest first. */
export function mergeSteps(known: readonly ChatStep[], more: readonly ChatStep[], keep = 500): ChatStep[] {
  const bySeq = new Map(known.map((s) => [s.seq, s]));
  for (const step of more) bySeq.set(step.seq, step);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-keep);
}

/**
 * The path a chat took, drawn on its flow: every node it ran is `visited`, with the edges it
 * followed; the node it waits at (or runs) is `active`. A node step says which handle it took
 * (`took yes`), which names the edge; a node that waited for the user (`waiting`) left by the
 * edge leading to the next node that ran.
 */
export function pathMarks(doc: FlowDoc, steps: readonly ChatStep[], currentNode: string | null): MarkMaps {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  const mark = (map: Map<string, string[]>, id: string, cls: string) => {
    const current = map.get(id) ?? [];
    if (!current.includes(cls)) map.set(id, [...current, cls]);
  };
  const ran = steps.filter((s) => s.kind === 'node' && s.nodeId !== null);
  ran.forEach((step, index) => {
    const id = step.nodeId as string;
    mark(nodes, id, 'visited');
    const took = /^took (.+)$/.exec(step.detail)?.[1];
    const next = ran[index + 1]?.nodeId ?? null;
    const edge = took
      ? doc.edges.find((e) => e.source === id && (e.sourceHandle ?? 'next') === took)
      : next !== null
        ? doc.edges.find((e) => e.source === id && e.target === next)
        : undefined;
    if (edge) mark(edges, edge.id, 'visited');
  });
  if (currentNode !== null) mark(nodes, currentNode, 'active');
  return { nodes, edges };
}
