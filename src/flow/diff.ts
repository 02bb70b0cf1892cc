// What changed between two versions of a flow, by node and edge id: what an operator reads
// before activating a version or rolling back.
import type { FlowEdge, FlowNode, FlowVersion } from './schema';

export interface FlowDiff {
  nodes: { added: string[]; removed: string[]; changed: string[] };
  edges: { added: string[]; removed: string[]; changed: string[] };
  settingsChanged: boolean;
  variables: { added: string[]; removed: string[]; changed: string[] };
}

/** Stable JSON: object keys sorted, so equal content compares equal whatever the key order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function compare<T>(before: readonly T[], after: readonly T[], key: (item: T) => string, content: (item: T) => unknown) {
  const old = new Map(before.map((item) => [key(item), stable(content(item))]));
  const now = new Map(after.map((item) => [key(item), stable(content(item))]));
  return {
    added: [...now.keys()].filter((k) => !old.has(k)),
    removed: [...old.keys()].filter((k) => !now.has(k)),
    changed: [...now.keys()].filter((k) => old.has(k) && old.get(k) !== now.get(k)),
  };
}

/** Positions are editor layout, not behaviour: moving a node is not a change. */
const nodeContent = (node: FlowNode) => ({ type: node.type, data: node.data, openHandles: node.openHandles });
const edgeContent = (edge: FlowEdge) => ({ source: edge.source, sourceHandle: edge.sourceHandle ?? null, target: edge.target });

export function diffFlows(before: FlowVersion, after: FlowVersion): FlowDiff {
  return {
    nodes: compare(before.nodes, after.nodes, (n) => n.id, nodeContent),
    edges: compare(before.edges, after.edges, (e) => e.id, edgeContent),
    settingsChanged: stable(before.settings) !== stable(after.settings),
    variables: compare(
      before.variables,
      after.variables,
      (v) => `${v.scope}.${v.name}`,
      (v) => v,
    ),
  };
}
