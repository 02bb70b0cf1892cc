import type { z } from 'zod';
import { formatPath, problem, type Problem, type ProblemCode, type ProblemPath } from './problems';
import { type FlowVersion, flowVersionSchema } from './schema';

export type ParseResult = { readonly ok: true; readonly flow: FlowVersion } | { readonly ok: false; readonly problems: Problem[] };

/**
 * Checks the shape of a flow (every field of every node, settings, variables, edges) and
 * returns the typed flow with defaults applied, or one problem per schema violation.
 */
export function parseFlow(json: unknown): ParseResult {
  const result = flowVersionSchema.safeParse(json);
  if (result.success) return { ok: true, flow: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => issueProblems(issue, json)) };
}

const hasOwn = (o: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, key);

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

// Problems name the node (by its id, when it has one) and the field, so an author can find them.
function nodeIdAt(json: unknown, path: ProblemPath): string | undefined {
  if (path[0] !== 'nodes' || typeof path[1] !== 'number') return undefined;
  const id = valueAt(json, ['nodes', path[1], 'id']);
  return typeof id === 'string' ? id : undefined;
}

// The field as an author sees it: the path inside the node's data (or inside the variable,
// edge or settings), e.g. "keyboard.rows[0][1].url".
function fieldName(path: ProblemPath): string {
  const start = path[0] === 'nodes' && path[2] === 'data' ? 3 : path[0] === 'settings' ? 1 : 2;
  return formatPath(path.slice(start)) || formatPath(path) || 'flow';
}

function issueProblems(issue: z.core.$ZodIssue, json: unknown): Problem[] {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const nodeId = nodeIdAt(json, path);
  const make = (code: ProblemCode, at: ProblemPath, message: string): Problem => problem(code, at, message, nodeId);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => make('unknown-field', [...path, key], `unknown field "${key}"`));
    case 'invalid_type':
      if (valueAt(json, path) === undefined) return [make('missing-field', path, `missing required field "${fieldName(path)}"`)];
      break;
    case 'invalid_union':
      if (issue.discriminator === 'type' && path[0] === 'nodes' && path.length === 3 && path[2] === 'type') {
        const type = valueAt(json, path);
        const message =
          typeof type === 'string' ? `unknown node type "${type}" (see docs/flows.md for the catalogue)` : 'missing or invalid node "type"';
        return [make('unknown-node-type', path, message)];
      }
      break;
    case 'invalid_key': {
      const key = path[path.length - 1];
      const reason = issue.issues[0]?.message ?? 'invalid key';
      return [make('invalid-field', path, `"${fieldName(path.slice(0, -1))}": key "${String(key)}" ${reason}`)];
    }
    case 'custom':
      if (issue.params?.['code'] === 'invalid-regex') return [make('invalid-regex', path, `"${fieldName(path)}": ${issue.message}`)];
      break;
  }
  return [make('invalid-field', path, `"${fieldName(path)}": ${issue.message}`)];
}
