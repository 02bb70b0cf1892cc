import { z } from 'zod';
import { nodeCatalogue, nodeTypes, outputHandles, type FlowNode, type NodeCategory, type NodeType } from '../../../src/flow';

/**
 * The node types as the studio shows them, read from the flow language's own catalogue – the one
 * the validator and the runtime use – so a new node type appears in the palette, with its
 * handles and its properties form, without a change here.
 */
export const categories: readonly { id: NodeCategory; label: string }[] = [
  { id: 'trigger', label: 'Triggers' },
  { id: 'message', label: 'Messages' },
  { id: 'wait', label: 'Waits' },
  { id: 'logic', label: 'Logic' },
  { id: 'action', label: 'Actions' },
];

export interface PaletteEntry {
  type: NodeType;
  category: NodeCategory;
  summary: string;
}

export const paletteEntries: readonly PaletteEntry[] = nodeTypes.map((type) => ({
  type,
  category: nodeCatalogue[type].category,
  summary: nodeCatalogue[type].summary,
}));

export const isKnownType = (type: string): type is NodeType => Object.prototype.hasOwnProperty.call(nodeCatalogue, type);

/**
 * A node's output handles from its type and data (a switch has one per case). Unfinished data
 * (a draft) may not satisfy the type's function, so a failure gives no handles rather than a crash.
 */
export function handlesOf(node: { type: string; data?: unknown }): readonly string[] {
  if (!isKnownType(node.type)) return [];
  try {
    return outputHandles({ ...node, data: node.data ?? {} } as FlowNode);
  } catch {
    return [];
  }
}

const schemaCache = new Map<NodeType, Record<string, unknown>>();

/** JSON Schema of a node type's `data`: the same zod schema the validator checks, for the properties form. */
export function dataJsonSchema(type: NodeType): Record<string, unknown> {
  let schema = schemaCache.get(type);
  if (!schema) {
    schema = z.toJSONSchema(nodeCatalogue[type].data, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    schemaCache.set(type, schema);
  }
  return schema;
}
