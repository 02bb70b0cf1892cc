/**
 * A flow as the studio edits it: the JSON the API stores as the draft. Drafts may be unfinished,
 * so everything here is loosely typed and every edit is a pure function from one document to the
 * next (which is what makes undo and redo exact).
 */
export interface DocNode {
  id: string;
  type: string;
  position?: { x: number; y: number };
  data: Record<string, unknown>;
  openHandles?: string[];
  [key: string]: unknown;
}

export interface DocEdge {
  id: string;
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
  [key: string]: unknown;
}

export interface DocVariable {
  name: string;
  scope: string;
  type: string;
  default?: unknown;
  ttlMs?: number;
  description?: string;
  [key: string]: unknown;
}

export interface FlowDoc {
  $schema?: string;
  viewport?: { x: number; y: number; zoom: number };
  settings?: Record<string, unknown>;
  variables: DocVariable[];
  nodes: DocNode[];
  edges: DocEdge[];
  [key: string]: unknown;
}

export const emptyFlow = (): FlowDoc => ({ settings: {}, variables: [], nodes: [], edges: [] });

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/** Whatever the API returned as a draft, made safe to edit (missing arrays become empty ones). */
export function toDoc(json: unknown): FlowDoc {
  const object = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  return {
    ...object,
    variables: asArray<DocVariable>(object.variables),
    nodes: asArray<DocNode>(object.nodes).map((n) => ({ ...n, data: n.data && typeof n.data === 'object' ? n.data : {} })),
    edges: asArray<DocEdge>(object.edges),
  };
}

/** A fresh id: the type's last word and the first free number (`text-3`). */
export function newNodeId(doc: FlowDoc, type: string): string {
  const stem = (type.split('.').pop() ?? 'node').replace(/[^a-z0-9_-]/gi, '') || 'node';
  const taken = new Set(doc.nodes.map((n) => n.id));
  for (let i = 1; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

export function newEdgeId(doc: FlowDoc, source: string, handle: string): string {
  const taken = new Set(doc.edges.map((e) => e.id));
  const stem = `${source}-${handle}`;
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

export const addNode = (doc: FlowDoc, node: DocNode): FlowDoc => ({ ...doc, nodes: [...doc.nodes, node] });

export const updateNode = (doc: FlowDoc, id: string, change: (node: DocNode) => DocNode): FlowDoc => ({
  ...doc,
  nodes: doc.nodes.map((n) => (n.id === id ? change(n) : n)),
});

export function moveNodes(doc: FlowDoc, positions: ReadonlyMap<string, { x: number; y: number }>): FlowDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id) } : n)) };
}

/** Removes nodes (with the edges at them) and edges. */
export function removeElements(doc: FlowDoc, nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>): FlowDoc {
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: doc.edges.filter((e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target)),
  };
}

/**
 * Connects `handle` of `source` to `target`. A handle leads to one node, so a new edge replaces
 * the one that left the same handle, and the handle is no longer marked deliberately open.
 */
export function connect(doc: FlowDoc, source: string, handle: string, target: string): FlowDoc {
  const edges = doc.edges.filter((e) => !(e.source === source && (e.sourceHandle ?? 'next') === handle));
  const withEdge = {
    ...doc,
    edges: [...edges, { id: newEdgeId({ ...doc, edges }, source, handle), source, sourceHandle: handle, target }],
  };
  return updateNode(withEdge, source, (n) => withoutOpenHandle(n, handle));
}

function withoutOpenHandle(node: DocNode, handle: string): DocNode {
  if (!node.openHandles?.includes(handle)) return node;
  const openHandles = node.openHandles.filter((h) => h !== handle);
  const { openHandles: _dropped, ...rest } = node;
  return openHandles.length > 0 ? { ...rest, openHandles } : (rest as DocNode);
}

/** Marks a handle as deliberately left without an edge (taking it ends the run), or unmarks it. */
export function setHandleOpen(doc: FlowDoc, nodeId: string, handle: string, open: boolean): FlowDoc {
  return updateNode(doc, nodeId, (n) =>
    open ? { ...n, openHandles: [...new Set([...(n.openHandles ?? []), handle])] } : withoutOpenHandle(n, handle),
  );
}

/**
 * Gives node `from` the id `to`, and moves the edges at it along. Refused (the same document back)
 * when `to` is empty or another node has it: ids are how edges and jumps find nodes.
 */
export function renameNode(doc: FlowDoc, from: string, to: string): FlowDoc {
  if (to === '' || to === from || doc.nodes.some((n) => n.id === to) || !doc.nodes.some((n) => n.id === from)) return doc;
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    edges: doc.edges.map((e) =>
      e.source === from || e.target === from
        ? { ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target }
        : e,
    ),
  };
}
