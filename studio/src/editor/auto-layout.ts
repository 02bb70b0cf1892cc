import type { FlowDoc } from '../flow/doc';

/**
 * Placeholder layout: nodes in rows of five. (To be replaced by a layered layout with dagre.)
 */
export function autoLayout(doc: FlowDoc): FlowDoc {
  return { ...doc, nodes: doc.nodes.map((n, i) => ({ ...n, position: { x: (i % 5) * 300, y: Math.floor(i / 5) * 180 } })) };
}
