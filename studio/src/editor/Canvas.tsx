import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { handlesOf } from '../flow/catalogue';
import type { DocEdge, DocNode, FlowDoc } from '../flow/doc';
import { DrawnCache } from './drawn-cache';
import { NodeCard, type CanvasNode } from './NodeCard';

/** The drag payload of a palette entry: the node type to create. */
export const PALETTE_MIME = 'application/x-flow-node-type';

export type Selection = { kind: 'node'; id: string } | { kind: 'edge'; id: string } | null;

export interface CanvasMarks {
  /** CSS classes per node id (problem, active, visited, diff-added, diff-changed, diff-removed). */
  nodes?: ReadonlyMap<string, readonly string[]>;
  /** CSS classes per edge id (problem, visited, diff-added, diff-changed, diff-removed). */
  edges?: ReadonlyMap<string, readonly string[]>;
}

export interface CanvasProps {
  doc: FlowDoc;
  /** Absent: a picture only (versions, executions) – nothing can be moved, connected or deleted. */
  edit?: {
    moveNodes(positions: Map<string, { x: number; y: number }>): void;
    connect(source: string, handle: string, target: string): void;
    remove(nodeIds: Set<string>, edgeIds: Set<string>): void;
    addNode(type: string, position: { x: number; y: number }): void;
  };
  marks?: CanvasMarks;
  selection?: Selection;
  onSelect?(selection: Selection): void;
  /** Bumped to ask the canvas to fit the whole flow into view (after a layout or loading). */
  fitRequest?: number;
}

const nodeTypes = { flow: NodeCard };

/** A small flow fitted into view is not blown up beyond its natural size. */
const fitOptions = { padding: 0.15, maxZoom: 1 };

const marksOf = (map: ReadonlyMap<string, readonly string[]> | undefined, id: string): readonly string[] => map?.get(id) ?? [];

function toCanvasNodes(
  doc: FlowDoc,
  marks: CanvasMarks | undefined,
  selection: Selection,
  cache: DrawnCache<DocNode, CanvasNode>,
): CanvasNode[] {
  const selected = (node: DocNode) => selection?.kind === 'node' && selection.id === node.id;
  // A flow without positions (written by hand) is laid out in a column until auto layout runs.
  const position = (node: DocNode, index: number) => node.position ?? { x: 0, y: index * 140 };
  return cache.drawAll(
    doc.nodes,
    (node) => node.id,
    (node, index) => `${marksOf(marks?.nodes, node.id).join(' ')}|${selected(node)}|${position(node, index).x},${position(node, index).y}`,
    (node, index) => ({
      id: node.id,
      type: 'flow' as const,
      position: position(node, index),
      data: { node, handles: handlesOf(node), marks: marksOf(marks?.nodes, node.id) },
      selected: selected(node),
    }),
  );
}

function toCanvasEdges(doc: FlowDoc, marks: CanvasMarks | undefined, selection: Selection, cache: DrawnCache<DocEdge, Edge>): Edge[] {
  const selected = (edge: DocEdge) => selection?.kind === 'edge' && selection.id === edge.id;
  return cache.drawAll(
    doc.edges,
    (edge) => edge.id,
    (edge) => `${marksOf(marks?.edges, edge.id).join(' ')}|${selected(edge)}`,
    (edge) => {
      const handle = edge.sourceHandle ?? 'next';
      return {
        id: edge.id,
        source: edge.source,
        sourceHandle: handle,
        target: edge.target,
        targetHandle: 'in',
        label: handle === 'next' ? undefined : handle,
        className: marksOf(marks?.edges, edge.id).join(' '),
        selected: selected(edge),
      };
    },
  );
}

function FlowCanvas(props: CanvasProps) {
  const { doc, edit, marks, selection = null, onSelect } = props;
  const flow = useReactFlow();
  // Fit once, at opening, a flow that has nodes but no saved view; an empty canvas is not zoomed
  // onto the first node dropped on it.
  const [initialFit] = useState(() => !doc.viewport && doc.nodes.length > 0);
  const drawnNodes = useMemo(() => new DrawnCache<DocNode, CanvasNode>(), []);
  const drawnEdges = useMemo(() => new DrawnCache<DocEdge, Edge>(), []);
  const [nodes, setNodes] = useState<CanvasNode[]>(() => toCanvasNodes(doc, marks, selection, drawnNodes));
  const edges = useMemo(() => toCanvasEdges(doc, marks, selection, drawnEdges), [doc, marks, selection, drawnEdges]);
  // The document is the truth; the canvas keeps its own copy only while a drag is under way.
  useEffect(() => setNodes(toCanvasNodes(doc, marks, selection, drawnNodes)), [doc, marks, selection, drawnNodes]);
  useEffect(() => {
    if (props.fitRequest) void flow.fitView(fitOptions);
  }, [props.fitRequest, flow]);
  // A node selected from outside (a problem chosen in a list) is brought into view when it is not in
  // it – also when it was selected already: each choice is a new selection object.
  const pane = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = selection?.kind === 'node' ? flow.getInternalNode(selection.id) : undefined;
    const box = pane.current?.getBoundingClientRect();
    if (!node || !box) return;
    const { x, y, zoom } = flow.getViewport();
    const { width = 200, height = 80 } = node.measured;
    const at = node.internals.positionAbsolute;
    const left = at.x * zoom + x;
    const top = at.y * zoom + y;
    if (left < 0 || top < 0 || left + width * zoom > box.width || top + height * zoom > box.height)
      void flow.setCenter(at.x + width / 2, at.y + height / 2, { zoom, duration: 200 });
  }, [selection, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      setNodes((current) =>
        applyNodeChanges(
          changes.filter((c) => c.type !== 'remove'),
          current,
        ),
      );
      const moved = new Map<string, { x: number; y: number }>();
      for (const change of changes) {
        if (change.type === 'position' && change.dragging === false && change.position) moved.set(change.id, change.position);
      }
      if (moved.size > 0) edit?.moveNodes(moved);
    },
    [edit],
  );
  const onConnect = useCallback(
    (connection: Connection) => {
      if (connection.source && connection.target) edit?.connect(connection.source, connection.sourceHandle ?? 'next', connection.target);
    },
    [edit],
  );
  // React Flow calls onSelectionChange again whenever the callback changes, with its store's selection,
  // which lags behind a selection made outside (a panel): a callback that changed with `selection`
  // would undo that selection, and the two would flip each other forever. So it reads it from a ref.
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const onSelectionChange = useCallback(
    ({ nodes: selectedNodes, edges: selectedEdges }: OnSelectionChangeParams) => {
      const node = selectedNodes[0];
      const edge = selectedEdges[0];
      const next: Selection = node ? { kind: 'node', id: node.id } : edge ? { kind: 'edge', id: edge.id } : null;
      const current = selectionRef.current;
      if (next?.kind !== current?.kind || next?.id !== current?.id) onSelect?.(next);
    },
    [onSelect],
  );
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type || !edit) return;
      event.preventDefault();
      edit.addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [edit, flow],
  );

  return (
    <div
      ref={pane}
      className="canvas"
      data-testid="canvas"
      onDragOver={(event) => {
        if (edit && event.dataTransfer.types.includes(PALETTE_MIME)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDrop={onDrop}
    >
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onConnect={onConnect}
        onDelete={({ nodes: gone, edges: goneEdges }) => edit?.remove(new Set(gone.map((n) => n.id)), new Set(goneEdges.map((e) => e.id)))}
        onSelectionChange={onSelectionChange}
        nodesDraggable={Boolean(edit)}
        nodesConnectable={Boolean(edit)}
        elementsSelectable
        deleteKeyCode={edit ? ['Backspace', 'Delete'] : null}
        defaultViewport={doc.viewport ?? { x: 40, y: 40, zoom: 1 }}
        fitView={initialFit}
        fitViewOptions={fitOptions}
        minZoom={0.1}
        onlyRenderVisibleElements
      >
        <Background />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable />
      </ReactFlow>
    </div>
  );
}

/** The flow drawn with React Flow; editable when `edit` is given. */
export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <FlowCanvas {...props} />
    </ReactFlowProvider>
  );
}
