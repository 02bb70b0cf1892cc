import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { isKnownType } from '../flow/catalogue';
import type { DocNode } from '../flow/doc';
import { nodeCatalogue } from '../../../src/flow';

/** What the canvas passes to a node card. `marks` are CSS classes: problem, active, visited, diff-added… */
export interface NodeCardData extends Record<string, unknown> {
  node: DocNode;
  handles: readonly string[];
  marks: readonly string[];
}
export type CanvasNode = Node<NodeCardData, 'flow'>;

/** One line of what the node does, from its most telling field. */
function preview(node: DocNode): string {
  const data = node.data;
  for (const key of ['command', 'text', 'caption', 'callbackData', 'pattern', 'expression', 'prompt', 'url', 'variable', 'kind', 'title']) {
    const value = data[key];
    if (typeof value === 'string' && value !== '') return value.length > 60 ? `${value.slice(0, 57)}…` : value;
  }
  return '';
}

/**
 * A node on the canvas: its type, id and a preview, one input on the left (triggers have none)
 * and its output handles on the right, each named as in the flow language; a handle marked
 * deliberately open is drawn hollow with its name struck through.
 */
export const NodeCard = memo(function NodeCard({ data, selected }: NodeProps<CanvasNode>) {
  const { node, handles, marks } = data;
  const type = node.type;
  const category = isKnownType(type) ? nodeCatalogue[type].category : 'unknown';
  const open = new Set(node.openHandles ?? []);
  return (
    <div
      className={['node-card', `category-${category}`, selected ? 'selected' : '', ...marks].join(' ')}
      data-testid={`node-${node.id}`}
      data-node-type={node.type}
    >
      {category !== 'trigger' && <Handle type="target" position={Position.Left} id="in" />}
      <div className="node-type">{node.type}</div>
      <div className="node-id">{node.id}</div>
      {preview(node) && <div className="node-preview">{preview(node)}</div>}
      <div className="node-handles">
        {handles.map((handle) => (
          <div key={handle} className={`node-handle-row${open.has(handle) ? ' open' : ''}`} data-handle={handle}>
            <span className="node-handle-label">{handle}</span>
            <Handle type="source" position={Position.Right} id={handle} className="node-handle" />
          </div>
        ))}
      </div>
    </div>
  );
});
