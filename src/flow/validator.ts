// Checks a flow before it can be published and reports every problem at once, each with a
// code, a severity, the node and a JSON path. Pure and bounded: linear in the size of the flow
// plus the (bounded) cost of compiling each template and expression.
import { collectDataFields, type DataField } from './data-fields';
import { compileExpression, compileTemplate, ExpressionError, referencedVariables } from './expression';
import { variableRefPattern } from './fields';
import { type DeclaredVariable, type FlowModel, type GraphEdge, type GraphNode, modelOf, salvageModel } from './flow-model';
import { findCycles, reachableFrom } from './graph';
import { outputHandles } from './handles';
import { isNodeType, nodeCatalogue, type NodeCategory } from './nodes';
import { parseFlow } from './parse';
import { hasErrors, problem, type Problem, type ProblemCode, type ProblemPath, sortProblems } from './problems';
import type { FlowNode, FlowVersion, VariableType } from './schema';
import { contextRoots, type ContextRoot, fieldRoots, type VariableScope, variableScopes } from './scope';

export interface CheckResult {
  /** The parsed flow, when its shape is valid (it may still have problems). */
  readonly flow?: FlowVersion;
  readonly problems: Problem[];
  /** True when no problem is an error: the flow may be published. */
  readonly publishable: boolean;
}

/** Checks a parsed flow: the graph, handles, loops, references and expressions. */
export function validateFlow(flow: FlowVersion): Problem[] {
  return sortProblems(new FlowChecker(modelOf(flow)).run());
}

/**
 * Parses and validates JSON in one go. When some nodes fail the schema, the rest of the flow
 * is still checked, so an author sees every problem at once.
 */
export function checkFlow(json: unknown): CheckResult {
  const parsed = parseFlow(json);
  if (parsed.ok) {
    const problems = validateFlow(parsed.flow);
    return { flow: parsed.flow, problems, publishable: !hasErrors(problems) };
  }
  const salvaged = salvageModel(json);
  const problems = sortProblems([...parsed.problems, ...(salvaged === undefined ? [] : new FlowChecker(salvaged).run())]);
  return { problems, publishable: !hasErrors(problems) };
}

function categoryOf(type: string): NodeCategory | undefined {
  return isNodeType(type) ? nodeCatalogue[type].category : undefined;
}

// Node types whose messages message.edit and message.delete can point at.
const SENDS_MESSAGE: ReadonlySet<string> = new Set(['message.text', 'message.photo', 'message.video', 'message.document']);

const ROOT_NAMES = [...variableScopes, ...Object.keys(contextRoots)].join(', ');

class FlowChecker {
  private readonly problems: Problem[] = [];
  /** First node with each id; later duplicates are reported and otherwise ignored. */
  private readonly byId = new Map<string, GraphNode>();
  private readonly declared = new Map<string, DeclaredVariable>();
  private readonly usedVariables = new Set<string>();
  /** `${nodeIndex}:${handle}` of every edge. */
  private readonly connected = new Set<string>();
  private readonly successors: number[][];

  constructor(private readonly model: FlowModel) {
    this.successors = model.nodes.map(() => []);
  }

  run(): Problem[] {
    this.indexNodes();
    this.indexVariables();
    this.checkTriggers();
    this.checkEdges();
    for (const node of this.model.nodes) if (node.node !== undefined && this.byId.get(node.id) === node) this.checkNode(node, node.node);
    this.checkReachability();
    this.checkLoops();
    this.checkUnusedVariables();
    return this.problems;
  }

  private report(code: ProblemCode, path: ProblemPath, message: string, nodeId?: string): void {
    this.problems.push(problem(code, path, message, nodeId));
  }

  private indexNodes(): void {
    for (const node of this.model.nodes) {
      if (this.byId.has(node.id))
        this.report('duplicate-id', ['nodes', node.index, 'id'], `node id "${node.id}" is used by another node`, node.id);
      else this.byId.set(node.id, node);
    }
    const edgeIds = new Set<string>();
    for (const edge of this.model.edges) {
      if (edgeIds.has(edge.id))
        this.report('duplicate-id', ['edges', edge.index, 'id'], `edge id "${edge.id}" is used by another edge`, edge.source);
      edgeIds.add(edge.id);
    }
  }

  private indexVariables(): void {
    for (const variable of this.model.variables) {
      const key = `${variable.scope}.${variable.name}`;
      if (this.declared.has(key))
        this.report('duplicate-variable', ['variables', variable.index, 'name'], `variable ${key} is declared twice`);
      else this.declared.set(key, variable);
    }
  }

  private checkTriggers(): void {
    const triggers = this.model.nodes.filter((n) => categoryOf(n.type) === 'trigger');
    if (triggers.length === 0) this.report('no-trigger', [], 'the flow has no trigger node, so nothing can start it');
    const seen = new Map<string, string>();
    for (const { node, index } of triggers) {
      const key = node === undefined ? undefined : triggerKey(node);
      if (node === undefined || key === undefined) continue;
      const first = seen.get(key);
      if (first !== undefined)
        this.report('duplicate-trigger', ['nodes', index, 'data'], `trigger "${node.id}" reacts to the same ${key} as "${first}"`, node.id);
      else seen.set(key, node.id);
    }
  }

  private checkEdges(): void {
    for (const edge of this.model.edges) {
      const source = this.byId.get(edge.source);
      const target = this.byId.get(edge.target);
      const at = (field: string): ProblemPath => ['edges', edge.index, field];
      if (source === undefined)
        this.report('unknown-node', at('source'), `edge "${edge.id}" leaves node "${edge.source}", which does not exist`);
      if (target === undefined)
        this.report('unknown-node', at('target'), `edge "${edge.id}" enters node "${edge.target}", which does not exist`, source?.id);
      const intoTrigger = target !== undefined && categoryOf(target.type) === 'trigger';
      if (intoTrigger)
        this.report(
          'invalid-target',
          at('target'),
          `edge "${edge.id}" enters trigger "${target.id}"; triggers start runs and have no input`,
          source?.id,
        );
      if (source === undefined) continue;
      if (source.node !== undefined) {
        const handles = outputHandles(source.node);
        if (!handles.includes(edge.handle)) {
          this.report('unknown-handle', at('sourceHandle'), unknownHandleMessage(edge, source.node, handles), source.id);
          continue;
        }
      }
      const key = `${source.index}:${edge.handle}`;
      if (this.connected.has(key)) {
        this.report('ambiguous-handle', at('sourceHandle'), `handle "${edge.handle}" of "${source.id}" has more than one edge`, source.id);
      }
      this.connected.add(key);
      if (target !== undefined && !intoTrigger) this.successors[source.index]?.push(target.index);
    }
  }

  private checkNode(graphNode: GraphNode, node: FlowNode): void {
    const handles = outputHandles(node);
    const open = new Set(node.openHandles ?? []);
    (node.openHandles ?? []).forEach((handle, i) => {
      const path = ['nodes', graphNode.index, 'openHandles', i];
      if (!handles.includes(handle))
        this.report('unknown-handle', path, `${node.type} has no handle "${handle}" (it has ${listOrNone(handles)})`, node.id);
      else if (this.connected.has(`${graphNode.index}:${handle}`))
        this.report('open-handle-connected', path, `handle "${handle}" is listed as open but has an edge`, node.id);
    });
    if (handles.length > 1) {
      for (const handle of handles) {
        if (!this.connected.has(`${graphNode.index}:${handle}`) && !open.has(handle)) {
          this.report(
            'unconnected-handle',
            ['nodes', graphNode.index],
            `handle "${handle}" has no edge; connect it, or list it in openHandles to end the run there`,
            node.id,
          );
        }
      }
    }
    const spec = nodeCatalogue[node.type];
    for (const field of collectDataFields(spec.data, node.data)) this.checkField(graphNode, node, field);
  }

  private checkField(graphNode: GraphNode, node: FlowNode, field: DataField): void {
    const path: ProblemPath = ['nodes', graphNode.index, 'data', ...field.path];
    switch (field.kind) {
      case 'node':
        return this.checkNodeReference(graphNode, node, field.value, path);
      case 'variable':
        return this.checkVariableWrite(node, field, path);
      case 'template':
      case 'expression':
        return this.checkCode(node, field, path);
    }
  }

  private checkNodeReference(graphNode: GraphNode, node: FlowNode, targetId: string, path: ProblemPath): void {
    const target = this.byId.get(targetId);
    if (target === undefined) {
      this.report('unknown-node', path, `node "${targetId}" does not exist`, node.id);
    } else if (node.type === 'logic.jump') {
      if (categoryOf(target.type) === 'trigger')
        this.report('invalid-target', path, `cannot jump to trigger "${targetId}"; jump to the node after it`, node.id);
      else this.successors[graphNode.index]?.push(target.index);
    } else if (!SENDS_MESSAGE.has(target.type)) {
      this.report('invalid-target', path, `"${targetId}" is a ${target.type}, not a node that sends a message`, node.id);
    }
  }

  private checkVariableWrite(node: FlowNode, field: DataField, path: ProblemPath): void {
    const match = variableRefPattern.exec(field.value);
    if (match === null) return;
    const declared = this.useVariable(match[1] as VariableScope, match[2] as string, path, node.id);
    const expected = expectedWriteType(node, field);
    if (declared?.type !== undefined && expected !== undefined && !expected.includes(declared.type)) {
      this.report('variable-type', path, `${field.value} is a ${declared.type}, but this needs ${expected.join(' or ')}`, node.id);
    }
  }

  private checkCode(node: FlowNode, field: DataField, path: ProblemPath): void {
    let references;
    try {
      references = referencedVariables(field.kind === 'template' ? compileTemplate(field.value) : compileExpression(field.value));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      this.report('invalid-expression', path, `${field.kind} error at position ${error.position}: ${error.detail}`, node.id);
      return;
    }
    for (const ref of references) {
      const name = [ref.root, ...ref.path].join('.');
      if ((variableScopes as readonly string[]).includes(ref.root)) {
        const [variable] = ref.path;
        if (variable === undefined) {
          this.report(
            'dynamic-variable',
            path,
            `name a variable of ${ref.root} (like ${ref.root}.name) at position ${ref.position}`,
            node.id,
          );
        } else {
          this.useVariable(ref.root as VariableScope, variable, path, node.id);
        }
        continue;
      }
      const root: ContextRoot | undefined = Object.prototype.hasOwnProperty.call(contextRoots, ref.root)
        ? contextRoots[ref.root]
        : field.roots.includes(ref.root)
          ? fieldRoots[ref.root]
          : undefined;
      if (root === undefined) {
        const hint = Object.prototype.hasOwnProperty.call(fieldRoots, ref.root)
          ? ' in this field'
          : `; names start with one of ${ROOT_NAMES}`;
        this.report('unknown-name', path, `"${ref.root}" cannot be read${hint} (position ${ref.position})`, node.id);
        continue;
      }
      const [member] = ref.path;
      if (root.anyMember !== undefined) {
        if (member === undefined || ref.path.length > 1)
          this.report('unknown-name', path, `name one ${ref.root} (like ${ref.root}.NAME) at position ${ref.position}`, node.id);
        continue;
      }
      if (member !== undefined && !Object.prototype.hasOwnProperty.call(root.fields, member)) {
        this.report(
          'unknown-name',
          path,
          `${name} does not exist; ${ref.root} has ${Object.keys(root.fields).join(', ')} (position ${ref.position})`,
          node.id,
        );
      }
    }
  }

  private useVariable(scope: VariableScope, name: string, path: ProblemPath, nodeId: string): DeclaredVariable | undefined {
    const key = `${scope}.${name}`;
    this.usedVariables.add(key);
    const declared = this.declared.get(key);
    if (declared === undefined)
      this.report(
        'undeclared-variable',
        path,
        `variable ${key} is not declared (declare it under "variables" with scope ${scope})`,
        nodeId,
      );
    return declared;
  }

  private checkReachability(): void {
    const triggers = this.model.nodes.filter((n) => categoryOf(n.type) === 'trigger' && this.byId.get(n.id) === n).map((n) => n.index);
    const reached = reachableFrom(this.successors, triggers);
    // An edge to a missing node still shows the author meant to connect it: not an orphan.
    const withInput = new Set([...this.model.edges.map((e) => e.target), ...this.successors.flat().map((i) => this.model.nodes[i]?.id)]);
    const withOutput = new Set(this.model.edges.map((e) => e.source));
    for (const node of this.model.nodes) {
      if (this.byId.get(node.id) !== node) continue;
      const hasOutput = withOutput.has(node.id) || (this.successors[node.index]?.length ?? 0) > 0;
      const hasInput = withInput.has(node.id);
      const isTrigger = categoryOf(node.type) === 'trigger';
      const path = ['nodes', node.index];
      if (isTrigger ? !hasOutput : !hasOutput && !hasInput) {
        this.report(
          'orphan-node',
          path,
          isTrigger ? `trigger "${node.id}" leads nowhere` : `node "${node.id}" is not connected to anything`,
          node.id,
        );
      } else if (!reached.has(node.index)) {
        this.report('unreachable-node', path, `no trigger leads to node "${node.id}"`, node.id);
      }
    }
  }

  private checkLoops(): void {
    const nodes = this.model.nodes;
    // Unknown types already have their own error; counting them as pauses avoids a second one.
    const busy = (index: number): boolean => {
      const type = nodes[index]?.type ?? '';
      return isNodeType(type) && !nodeCatalogue[type].suspends;
    };
    for (const cycle of findCycles(this.successors, busy)) {
      const ids = cycle.map((i) => nodes[i]?.id ?? '?');
      const [first] = cycle;
      this.report(
        'infinite-loop',
        ['nodes', first ?? 0],
        `nodes ${ids.map((id) => `"${id}"`).join(', ')} form a loop with no wait or logic.delay, so a run would never stop`,
        ids[0],
      );
    }
  }

  private checkUnusedVariables(): void {
    for (const variable of this.declared.values()) {
      const key = `${variable.scope}.${variable.name}`;
      if (variable.scope === 'run' && !this.usedVariables.has(key)) {
        this.report('unused-variable', ['variables', variable.index], `run variable ${key} is never used`);
      }
    }
  }
}

/** What makes two triggers compete for the same update, or undefined for non-triggers. */
function triggerKey(node: FlowNode): string | undefined {
  switch (node.type) {
    case 'trigger.command':
      return `command ${node.data.command}`;
    case 'trigger.text': {
      const { text, pattern, caseSensitive } = node.data;
      if (pattern !== undefined) return `pattern /${pattern}/`;
      const normalized = (text ?? '').trim();
      return `text "${caseSensitive ? normalized : normalized.toLowerCase()}"`;
    }
    case 'trigger.callback':
      return `callback data ${node.data.match === 'prefix' ? 'prefix ' : ''}"${node.data.data}"`;
    case 'trigger.event':
      return `event "${node.data.name}"`;
    default:
      return undefined;
  }
}

function expectedWriteType(node: FlowNode, field: DataField): readonly VariableType[] | undefined {
  if (node.type === 'action.credits') return ['number'];
  if (node.type === 'action.set' && field.path[0] === 'variable') {
    if (node.data.op === 'increment') return ['number'];
    if (node.data.op === 'append') return ['list', 'string'];
  }
  return undefined;
}

function listOrNone(handles: readonly string[]): string {
  return handles.length === 0 ? 'no output handles' : handles.map((h) => `"${h}"`).join(', ');
}

function unknownHandleMessage(edge: GraphEdge, node: FlowNode, handles: readonly string[]): string {
  if (handles.length === 0) return `${node.type} "${node.id}" has no output handles; remove edge "${edge.id}"`;
  if (!edge.named) return `edge "${edge.id}" must name which handle of ${node.type} "${node.id}" it leaves from: ${listOrNone(handles)}`;
  return `${node.type} "${node.id}" has no handle "${edge.handle}" (it has ${listOrNone(handles)})`;
}
