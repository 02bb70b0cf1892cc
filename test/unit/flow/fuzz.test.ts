// Property-based checks: whatever an author (or an attacker) sends, the validator and the
// evaluator return an answer or a typed error, and finish. Work is bounded by the language's
// limits, so these runs stay fast without any wall-clock assertion.
import fc from 'fast-check';
import {
  checkFlow,
  compileExpression,
  compileTemplate,
  evaluateExpression,
  ExpressionError,
  isNodeType,
  nodeCatalogue,
  nodeTypes,
  problemCodes,
  renderTemplate,
  validateFlow,
} from '../../../src/flow';

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const HANDLES = ['next', 'true', 'false', 'timeout', 'success', 'error', 'refunded', 'default', 'yes', 'no', 'bogus'];

const nodeArb = fc
  .record({
    id: fc.constantFrom(...IDS),
    // Mostly valid nodes, so that most flows get past the schema to the graph checks.
    type: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...nodeTypes) }, { weight: 1, arbitrary: fc.constant('bogus.type') }),
    useExample: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    junk: fc.anything({ maxDepth: 2 }),
    target: fc.constantFrom(...IDS, 'missing'),
    openHandles: fc.option(fc.array(fc.constantFrom(...HANDLES), { maxLength: 3 }), { nil: undefined }),
  })
  .map(({ id, type, useExample, junk, target, openHandles }) => {
    const example = isNodeType(type) ? (nodeCatalogue[type].example as Record<string, unknown>) : undefined;
    // Point jumps and message references at random nodes, so they join the random graph.
    const data =
      useExample && example !== undefined ? ('target' in example || type === 'logic.jump' ? { ...example, target } : example) : junk;
    return openHandles === undefined ? { id, type, data } : { id, type, data, openHandles };
  });

const edgeArb = fc.record({
  id: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `e${i}`)),
  source: fc.constantFrom(...IDS, 'missing'),
  target: fc.constantFrom(...IDS, 'missing'),
  sourceHandle: fc.option(fc.constantFrom(...HANDLES), { nil: null }),
});

const variableArb = fc.record({
  name: fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('balance', 'date', 'service', 'phone', 'topic') },
    fc.constantFrom('__proto__', 'bad name'),
  ),
  scope: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('run', 'chat', 'user', 'bot') }, fc.constant('global')),
  type: fc.constantFrom('string', 'number', 'boolean', 'list', 'object'),
});

const graphArb = fc.record({
  variables: fc.array(variableArb, { maxLength: 5 }),
  nodes: fc.array(nodeArb, { maxLength: 12 }),
  edges: fc.array(edgeArb, { maxLength: 16 }),
});

function expectWellFormedProblems(json: unknown): void {
  const result = checkFlow(json);
  const malformed = result.problems.filter(
    (p) => problemCodes[p.code].severity !== p.severity || !Array.isArray(p.path) || typeof p.message !== 'string',
  );
  expect(malformed).toEqual([]);
  expect(result.publishable).toBe(result.problems.every((p) => p.severity !== 'error'));
  if (result.flow !== undefined) expect(validateFlow(result.flow)).toEqual(result.problems);
}

// Anything but an ExpressionError escaping is a bug (a TypeError, a stack overflow, …).
function expressionOutcome(run: () => unknown): 'value' | 'error' {
  try {
    const value = run();
    expect(() => JSON.stringify(value)).not.toThrow();
    return 'value';
  } catch (error) {
    if (error instanceof ExpressionError) return 'error';
    throw error;
  }
}

const TOKENS = [
  'user',
  'run',
  'chat',
  'message',
  'globalThis',
  'x',
  '.',
  'balance',
  'text',
  'tags',
  '(',
  ')',
  '[',
  ']',
  ',',
  '1',
  '0',
  '-1.5e3',
  '"a"',
  "'b'",
  '"\\u{1F600}"',
  '"\\q"',
  '"',
  '+',
  '-',
  '*',
  '/',
  '%',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=',
  '!',
  '&&',
  'and',
  'or',
  'not',
  'true',
  'false',
  'null',
  'default',
  'length',
  'upper',
  'join',
  'format',
  'contains',
  'max',
  '__proto__',
  'constructor',
  '{{',
  '}}',
  '\n',
  '?',
];

const tokenSourceArb = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 40 })
  .chain((tokens) =>
    fc
      .array(fc.constantFrom(' ', ''), { minLength: tokens.length, maxLength: tokens.length })
      .map((gaps) => tokens.map((t, i) => t + (gaps[i] ?? '')).join('')),
  );

// Well-formed expressions, to reach deep into evaluation rather than stop at the parser.
const { expr: exprArb } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      '1',
      '2.5',
      '0',
      '"abc"',
      '""',
      'true',
      'null',
      '[1, "x"]',
      'user.balance',
      'user.tags',
      'run.items[0]',
      'user.name',
      'chat.missing',
    ),
    fc
      .tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '>=', 'and', 'or'), tie('expr'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('expr').map((a) => `not ${a}`),
    tie('expr').map((a) => `-(${a})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a}[${b}]`),
    fc
      .tuple(fc.constantFrom('default', 'contains', 'join', 'format', 'round', 'max', 'min', 'startsWith'), tie('expr'), tie('expr'))
      .map(([fn, a, b]) => `${fn}(${a}, ${b})`),
    fc
      .tuple(fc.constantFrom('length', 'upper', 'lower', 'trim', 'string', 'number', 'json', 'abs', 'floor'), tie('expr'))
      .map(([fn, a]) => `${fn}(${a})`),
  ),
}));

const scopeArb = fc.record({
  user: fc.record({
    balance: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
    name: fc.string(),
    tags: fc.array(fc.string(), { maxLength: 5 }),
  }),
  run: fc.record({ items: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) }),
  chat: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
});

describe('fuzzing', () => {
  it('the validator returns well-formed problems for random graphs and never throws', () => {
    fc.assert(fc.property(graphArb, expectWellFormedProblems), { numRuns: 400 });
  });

  it('the validator never throws on arbitrary JSON', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), expectWellFormedProblems), { numRuns: 300 });
  });

  it('random token soup compiles and evaluates to a value or a typed error', () => {
    fc.assert(
      fc.property(tokenSourceArb, scopeArb, (source, scope) => {
        expressionOutcome(() => evaluateExpression(source, scope));
        expressionOutcome(() => renderTemplate(`x {{ ${source} }} y`, scope));
      }),
      { numRuns: 1_000 },
    );
  });

  it('arbitrary text compiles as an expression or a template, or fails with a typed error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expressionOutcome(() => compileExpression(text));
        expressionOutcome(() => compileTemplate(text));
      }),
      { numRuns: 1_000 },
    );
  });

  it('well-formed expressions evaluate deterministically to a value or a typed error', () => {
    fc.assert(
      fc.property(exprArb, scopeArb, (source, scope) => {
        const first = expressionOutcome(() => evaluateExpression(source, scope));
        if (first === 'value') expect(evaluateExpression(source, scope)).toEqual(evaluateExpression(source, scope));
      }),
      { numRuns: 1_000 },
    );
  });
});
