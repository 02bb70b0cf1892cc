// Builds small flows for tests: a /start trigger that says hello, plus whatever a test adds.
import type { FlowVersionInput } from '../../../src/flow';

type NodeInput = FlowVersionInput['nodes'][number];
type EdgeInput = NonNullable<FlowVersionInput['edges']>[number];
type VariableInput = NonNullable<FlowVersionInput['variables']>[number];

export function node(id: string, type: string, data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): NodeInput {
  return { id, type, data, ...extra } as unknown as NodeInput;
}

export function edge(source: string, target: string, sourceHandle?: string): EdgeInput {
  const id = sourceHandle === undefined ? `${source}->${target}` : `${source}:${sourceHandle}->${target}`;
  return sourceHandle === undefined ? { id, source, target } : { id, source, sourceHandle, target };
}

export function variable(
  scope: 'run' | 'chat' | 'user' | 'bot',
  name: string,
  type: 'string' | 'number' | 'boolean' | 'list' | 'object',
  extra: Record<string, unknown> = {},
): VariableInput {
  return { name, scope, type, ...extra } as VariableInput;
}

export interface FlowParts {
  readonly nodes?: readonly NodeInput[];
  readonly edges?: readonly EdgeInput[];
  readonly variables?: readonly VariableInput[];
}

/** `start` (/start) → `hello` (a message), plus the given parts. */
export function flow({ nodes = [], edges = [], variables = [] }: FlowParts = {}): FlowVersionInput {
  return {
    variables: [...variables],
    nodes: [node('start', 'trigger.command', { command: '/start' }), node('hello', 'message.text', { text: 'Hello!' }), ...nodes],
    edges: [edge('start', 'hello'), ...edges],
  };
}
