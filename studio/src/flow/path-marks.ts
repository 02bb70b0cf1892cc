import type { FlowDoc } from './doc';
import type { MarkMaps } from './marks';

/** A running chat's step, as the executions API and its live stream send it (the workflow's own type). */
export type { ChatStep } from '../../../src/workflows/chat/types';
import type { ChatStep } from '../../../src/workflows/chat/types';

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
 * edge leading to the next node that ran. Triggers are not steps of their own: the trigger of
 * an input is the one whose edge leads to the first node run after it (when several do, the one
 * whose command or button data the input names).
 */
export function pathMarks(doc: FlowDoc, steps: readonly ChatStep[], currentNode: string | null): MarkMaps {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  const mark = (map: Map<string, string[]>, id: string, cls: string) => {
    const current = map.get(id) ?? [];
    if (!current.includes(cls)) map.set(id, [...current, cls]);
  };
  steps.forEach((step, index) => {
    const input = steps[index - 1];
    if (step.kind !== 'node' || step.nodeId === null || input?.kind !== 'input') return;
    const trigger = triggerOf(doc, input.detail, step.nodeId);
    if (!trigger) return;
    mark(nodes, trigger.source, 'visited');
    mark(edges, trigger.id, 'visited');
  });
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

const loose = (text: string) => text.trim().replace(/^\//, '').toLowerCase();

/** The edge from a trigger into `first`, the first node an input ran (`command /start`, `button story`). */
function triggerOf(doc: FlowDoc, input: string, first: string) {
  const triggers = new Map(doc.nodes.filter((n) => n.type.startsWith('trigger.')).map((n) => [n.id, n]));
  const candidates = doc.edges.filter((e) => e.target === first && triggers.has(e.source));
  if (candidates.length <= 1) return candidates[0];
  const said = /^(?:command|button) (.+)$/.exec(input)?.[1];
  if (said === undefined) return undefined;
  return candidates.find((e) =>
    Object.values(triggers.get(e.source)?.data ?? {}).some((value) => typeof value === 'string' && loose(value) === loose(said)),
  );
}
