export type Severity = 'error' | 'warning';

interface Rule {
  readonly severity: Severity;
  /** The rule, for the reference documentation. */
  readonly rule: string;
}

/** Every problem the validator reports. A flow with any `error` cannot be published. */
export const problemCodes = {
  'invalid-json': { severity: 'error', rule: 'The file cannot be read or is not JSON (reported by the command-line validator).' },
  'missing-field': { severity: 'error', rule: 'A required field is missing.' },
  'invalid-field': { severity: 'error', rule: 'A field has the wrong type, format, length or range.' },
  'unknown-field': {
    severity: 'error',
    rule: 'A field the schema does not have, usually a typo (extra fields on nodes and edges themselves are kept for editors).',
  },
  'unknown-node-type': { severity: 'error', rule: "A node's `type` is not in the catalogue." },
  'invalid-regex': {
    severity: 'error',
    rule: 'A pattern is longer than 200 characters or RE2 cannot compile it (a syntax error, a lookaround or backreference, a program too large); see Regular expressions.',
  },
  'no-trigger': { severity: 'error', rule: 'The flow has no trigger, so nothing can start it.' },
  'duplicate-id': { severity: 'error', rule: 'Two nodes, or two edges, share an id.' },
  'duplicate-variable': { severity: 'error', rule: 'Two variables have the same scope and name.' },
  'duplicate-trigger': {
    severity: 'error',
    rule: 'Two triggers react to the same command, text, callback data or event; only one of them could ever run.',
  },
  'unknown-node': { severity: 'error', rule: 'An edge, a jump or a message reference names a node that does not exist.' },
  'invalid-target': {
    severity: 'error',
    rule: 'An edge or jump leads into a trigger, or message.edit/message.delete points at a node that does not send messages.',
  },
  'unknown-handle': {
    severity: 'error',
    rule: 'An edge leaves from a handle its node does not have (or names none on a node with several), or `openHandles` lists such a handle.',
  },
  'ambiguous-handle': { severity: 'error', rule: 'Two edges leave the same handle; a run follows exactly one.' },
  'unconnected-handle': { severity: 'error', rule: "A branching node's handle has no edge and is not listed in the node's `openHandles`." },
  'open-handle-connected': { severity: 'warning', rule: 'A handle listed in `openHandles` has an edge after all.' },
  'orphan-node': { severity: 'error', rule: 'A node has no edges at all (a trigger: no outgoing edge).' },
  'unreachable-node': { severity: 'error', rule: 'No trigger leads to the node.' },
  'infinite-loop': {
    severity: 'error',
    rule: 'A cycle of nodes contains no wait and no logic.delay, so a run would spin forever (HTTP calls, generations and sub-flow calls do not count as pauses).',
  },
  'invalid-expression': { severity: 'error', rule: 'A template or expression does not parse; the message gives the position.' },
  'unknown-name': {
    severity: 'error',
    rule: 'An expression reads a name that does not exist there: an unknown root (`globalThis`), a root this field cannot read (`response` outside action.http) or an unknown field of a context root (`message.txt`).',
  },
  'undeclared-variable': {
    severity: 'error',
    rule: 'A template, expression or node reads or writes a variable not declared in that scope.',
  },
  'dynamic-variable': {
    severity: 'error',
    rule: 'A variable scope is read whole or by a computed name (`user[x]`), so the variable cannot be checked.',
  },
  'variable-type': {
    severity: 'error',
    rule: 'A variable of the wrong type is changed: `increment` needs a number, `append` a list or string, action.credits a number.',
  },
  'unused-variable': { severity: 'warning', rule: 'A run variable that no node reads or writes.' },
} as const satisfies Record<string, Rule>;

export type ProblemCode = keyof typeof problemCodes;

export type ProblemPath = (string | number)[];

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: Severity;
  /** The node the problem is about, when there is one (for an edge: its source). */
  readonly nodeId?: string;
  /** JSON path into the flow, e.g. `['nodes', 3, 'data', 'text']`. */
  readonly path: ProblemPath;
  readonly message: string;
}

export function problem(code: ProblemCode, path: ProblemPath, message: string, nodeId?: string): Problem {
  const base = { code, severity: problemCodes[code].severity, path, message };
  return nodeId === undefined ? base : { ...base, nodeId };
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** `nodes[3].data.text`, the form the CLI and messages use. */
export function formatPath(path: ProblemPath): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? key : `${out}.${key}`), '');
}

const SECTIONS = ['settings', 'variables', 'nodes', 'edges'];

// Problems in document order: flow-wide first, then sections as a flow lists them, then by
// path within a section (indexes numerically).
function comparePaths(a: ProblemPath, b: ProblemPath): number {
  const section = SECTIONS.indexOf(String(a[0])) - SECTIONS.indexOf(String(b[0]));
  if (a.length > 0 && b.length > 0 && section !== 0) return section;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => comparePaths(a.path, b.path));
}
