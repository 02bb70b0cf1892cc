import { diffFlows, type FlowDiff, type FlowVersion } from '../../../src/flow';
import type { FlowDoc } from './doc';
import type { MarkMaps } from './marks';

/** Two versions of a flow as one picture: what the canvas draws for a diff. */
export interface DiffPicture {
  /** The newer document with the older one's removed nodes and edges put back (they are drawn, marked). */
  doc: FlowDoc;
  marks: MarkMaps;
  diff: FlowDiff;
  /** One short line per kind of change, for the panel. */
  summary: string[];
}

/**
 * What changed from `before` to `after`, by node and edge id, with the same comparison as the
 * API's `GET …/diff` (`diffFlows`: moving a node is no change). Computed here so that a version
 * can be compared with the unpublished draft too. Nodes and edges only in `before` are drawn
 * where they stood, marked `diff-removed`.
 */
export function diffPicture(before: FlowDoc, after: FlowDoc): DiffPicture {
  // Drafts may be unfinished: diffFlows reads only ids, types, data and ends, which toDoc guarantees arrays of.
  const diff = diffFlows(before as unknown as FlowVersion, after as unknown as FlowVersion);
  const removedNodes = new Set(diff.nodes.removed);
  const removedEdges = new Set(diff.edges.removed);
  const doc: FlowDoc = {
    ...after,
    nodes: [...after.nodes, ...before.nodes.filter((n) => removedNodes.has(n.id))],
    edges: [...after.edges, ...before.edges.filter((e) => removedEdges.has(e.id))],
  };
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const [kind, ids] of Object.entries(diff.nodes)) for (const id of ids) nodes.set(id, [`diff-${kind}`]);
  for (const [kind, ids] of Object.entries(diff.edges)) for (const id of ids) edges.set(id, [`diff-${kind}`]);
  return { doc, marks: { nodes, edges }, diff, summary: diffSummary(diff) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function changes(ids: FlowDiff['nodes'], word: string): string | null {
  const parts = [
    ids.added.length > 0 ? `${ids.added.length} added` : null,
    ids.removed.length > 0 ? `${ids.removed.length} removed` : null,
    ids.changed.length > 0 ? `${ids.changed.length} changed` : null,
  ].filter(Boolean);
  const total = ids.added.length + ids.removed.length + ids.changed.length;
  return parts.length > 0 ? `${plural(total, word)}: ${parts.join(', ')}` : null;
}

export function diffSummary(diff: FlowDiff): string[] {
  const lines = [changes(diff.nodes, 'node'), changes(diff.edges, 'edge'), changes(diff.variables, 'variable')].filter(
    (line): line is string => line !== null,
  );
  if (diff.settingsChanged) lines.push('Settings changed');
  return lines.length > 0 ? lines : ['No change in behaviour (positions aside)'];
}
