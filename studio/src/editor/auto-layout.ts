import { Graph, layout } from '@dagrejs/dagre';
import { handlesOf } from '../flow/catalogue';
import type { DocNode, FlowDoc } from '../flow/doc';

export interface Size {
  width: number;
  height: number;
}

/** A node card's size before the browser has drawn it: see NodeCard and studio.css (.node-card). */
export function estimateSize(node: DocNode): Size {
  const handles = handlesOf(node).length;
  const preview = Object.values(node.data).some((v) => typeof v === 'string' && v !== '') ? 20 : 0;
  return { width: 220, height: 16 + 18 + 16 + preview + 4 + handles * 18 };
}

const GAP = { rank: 90, node: 40 };

/**
 * Lays the flow out left to right in layers (dagre): each edge points right, nodes do not
 * overlap. `sizes` are the drawn sizes (see measure-nodes.ts); missing ones are estimated. Dagre knows nothing of handles, so edges are given in the order of their node's handles
 * (`true` before `false`, cases in order), which its ordering heuristics keep when they can.
 */
export function autoLayout(doc: FlowDoc, sizes: ReadonlyMap<string, Size>): FlowDoc {
  if (doc.nodes.length === 0) return doc;
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', ranksep: GAP.rank, nodesep: GAP.node, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const size = new Map(doc.nodes.map((n) => [n.id, sizes.get(n.id) ?? estimateSize(n)]));
  for (const node of doc.nodes) graph.setNode(node.id, { ...size.get(node.id) });
  const ids = new Set(doc.nodes.map((n) => n.id));
  const handleOrder = new Map(doc.nodes.map((n) => [n.id, handlesOf(n)]));
  const edges = doc.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((edge, index) => ({ edge, index, rank: handleOrder.get(edge.source)?.indexOf(edge.sourceHandle ?? 'next') ?? -1 }))
    .sort((a, b) => (a.edge.source === b.edge.source ? a.rank - b.rank : a.index - b.index));
  for (const { edge } of edges) graph.setEdge(edge.source, edge.target, {}, edge.id);
  layout(graph, { constraints: handleOrderConstraints(edges.map((e) => e.edge)) });
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
      // dagre gives centres; React Flow positions are top-left corners.
      return { ...node, position: { x: Math.round(placed.x - placed.width / 2), y: Math.round(placed.y - placed.height / 2) } };
    }),
  };
}

/**
 * "Draw the target of an earlier handle above the target of a later one", for dagre's ordering
 * step. A pair that would contradict the ones before it (a cycle of "above") is left out.
 */
function handleOrderConstraints(sorted: readonly { source: string; target: string }[]): { left: string; right: string }[] {
  const constraints: { left: string; right: string }[] = [];
  const below = new Map<string, Set<string>>();
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    seen.add(from);
    return [...(below.get(from) ?? [])].some((next) => !seen.has(next) && reaches(next, to, seen));
  };
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const edge = sorted[i]!;
    if (before.source !== edge.source || reaches(edge.target, before.target)) continue;
    constraints.push({ left: before.target, right: edge.target });
    below.set(before.target, new Set([...(below.get(before.target) ?? []), edge.target]));
  }
  return constraints;
}

/** A loaded flow with nodes that have no position (written by hand) is laid out; others are kept as drawn. */
export function layoutIfUnplaced(doc: FlowDoc): FlowDoc {
  return doc.nodes.some((n) => !n.position) ? autoLayout(doc, new Map()) : doc;
}

/** The first place around `start` (below, above, then beside) where a card overlaps no node. */
export function freeSpot(doc: FlowDoc, start: { x: number; y: number }, card: Size): { x: number; y: number } {
  const boxes = doc.nodes.filter((n) => n.position).map((n) => ({ ...n.position!, ...estimateSize(n) }));
  const free = (x: number, y: number) =>
    boxes.every((b) => x + card.width + 20 <= b.x || b.x + b.width + 20 <= x || y + card.height + 20 <= b.y || b.y + b.height + 20 <= y);
  for (let ring = 0; ring < 12; ring++)
    for (const [dx, dy] of [
      [0, ring],
      [0, -ring],
      [ring, 0],
      [-ring, 0],
      [ring, ring],
      [-ring, ring],
      [ring, -ring],
      [-ring, -ring],
    ] as const) {
      const x = Math.round(start.x + dx * (card.width + 30));
      const y = Math.round(start.y + dy * (card.height + 30));
      if (free(x, y)) return { x, y };
    }
  return start;
}
