// What the validator needs from a flow: nodes, edges and declared variables by index. Built
// from a parsed flow, or salvaged from JSON that failed the schema so that its graph can still
// be checked.
import { edgeHandle } from './handles';
import { type FlowNode, type FlowVersion, flowNodeSchema, type VariableType, variableSchema } from './schema';
import { type VariableScope, variableScopes } from './scope';

export interface GraphNode {
  readonly index: number;
  readonly id: string;
  readonly type: string;
  /** Undefined when the node's data did not pass the schema: only its place in the graph is checked. */
  readonly node: FlowNode | undefined;
}

export interface GraphEdge {
  readonly index: number;
  readonly id: string;
  readonly source: string;
  readonly handle: string;
  readonly named: boolean;
  readonly target: string;
}

export interface DeclaredVariable {
  readonly index: number;
  readonly scope: VariableScope;
  readonly name: string;
  readonly type: VariableType | undefined;
}

/** What the checks need from a flow. */
export interface FlowModel {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly variables: readonly DeclaredVariable[];
}

export function modelOf(flow: FlowVersion): FlowModel {
  return {
    nodes: flow.nodes.map((node, index) => ({ index, id: node.id, type: node.type, node })),
    edges: flow.edges.map((edge, index) => ({
      index,
      id: edge.id,
      source: edge.source,
      handle: edgeHandle(edge),
      named: edge.sourceHandle !== undefined && edge.sourceHandle !== null,
      target: edge.target,
    })),
    variables: flow.variables.map((v, index) => ({ index, scope: v.scope, name: v.name, type: v.type })),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayAt = (json: Record<string, unknown>, key: string): readonly unknown[] => {
  const value = json[key];
  return Array.isArray(value) ? value : [];
};

/** The parts of an invalid flow well-formed enough to place in the graph; undefined when there are none. */
export function salvageModel(json: unknown): FlowModel | undefined {
  if (!isRecord(json) || !Array.isArray(json['nodes'])) return undefined;
  const nodes: GraphNode[] = [];
  arrayAt(json, 'nodes').forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw['id'] !== 'string' || typeof raw['type'] !== 'string') return;
    const parsed = flowNodeSchema.safeParse(raw);
    nodes.push({ index, id: raw['id'], type: raw['type'], node: parsed.success ? parsed.data : undefined });
  });
  const edges: GraphEdge[] = [];
  arrayAt(json, 'edges').forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw['id'] !== 'string' || typeof raw['source'] !== 'string' || typeof raw['target'] !== 'string') return;
    const sourceHandle = typeof raw['sourceHandle'] === 'string' ? raw['sourceHandle'] : undefined;
    edges.push({
      index,
      id: raw['id'],
      source: raw['source'],
      handle: edgeHandle({ sourceHandle }),
      named: sourceHandle !== undefined,
      target: raw['target'],
    });
  });
  const variables: DeclaredVariable[] = [];
  arrayAt(json, 'variables').forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const { name, scope } = raw;
    if (typeof name !== 'string' || !variableScopes.includes(scope as VariableScope)) return;
    const parsed = variableSchema.safeParse(raw);
    variables.push({ index, scope: scope as VariableScope, name, type: parsed.success ? parsed.data.type : undefined });
  });
  return { nodes, edges, variables };
}
