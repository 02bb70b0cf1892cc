import { dataJsonSchema, isKnownType } from '../../flow/catalogue';
import { renameNode, type FlowDoc } from '../../flow/doc';
import { formSpec } from './form-model';

/**
 * Renames a node and everything that names it: its edges, and the fields of other nodes that hold
 * a node id (a jump's or message.edit's `target`, marked `x-flow-kind: node` in their schemas).
 */
export function renameNodeEverywhere(doc: FlowDoc, from: string, to: string): FlowDoc {
  const renamed = renameNode(doc, from, to);
  if (renamed === doc) return doc;
  return {
    ...renamed,
    nodes: renamed.nodes.map((node) => {
      if (!isKnownType(node.type)) return node;
      const keys = formSpec(dataJsonSchema(node.type))
        .properties.filter((p) => p.spec.kind === 'text' && p.spec.textKind === 'node' && node.data[p.key] === from)
        .map((p) => p.key);
      return keys.length === 0 ? node : { ...node, data: { ...node.data, ...Object.fromEntries(keys.map((k) => [k, to])) } };
    }),
  };
}
