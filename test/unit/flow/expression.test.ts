import {
  compileExpression,
  evaluateExpression,
  ExpressionRuntimeError,
  ExpressionSyntaxError,
  referencedVariables,
  type ScopeInput,
  type Value,
} from '../../../src/flow';
import { errorOf } from './expression-error';

const scope = {
  user: { balance: 150, name: 'Anna', tags: ['vip', 'beta'], profile: { city: 'Riga' } },
  chat: { lang: 'ru' },
  run: { count: 3, empty: '', zero: 0, list: [3, 1, 2], nothing: null },
  message: { text: ' 42 ' },
};

const evaluate = (source: string, over: ScopeInput = scope): Value => evaluateExpression(source, over);

describe('expression operators', () => {
  it.each<[string, Value]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['7 / 2', 3.5],
    ['7 % 3', 1],
    ['-2 * 3', -6],
    ['- -2', 2],
    ['2e3', 2000],
    ['"a" + "b"', 'ab'],
    ['"n=" + 1', 'n=1'],
    ['"x" + run.nothing', 'x'],
    ['"list: " + [1, 2]', 'list: [1,2]'],
    ['1 == 1', true],
    ['1 == "1"', false],
    ['1 != 2', true],
    ['[1, [2]] == [1, [2]]', true],
    ['user.profile == user.profile', true],
    ['null == run.nothing', true],
    ['2 < 3', true],
    ['3 <= 3', true],
    ['"b" > "a"', true],
    ['2 >= 3', false],
    ['true and false', false],
    ['true or false', true],
    ['not true', false],
    ['not 1 == 2', true],
    ['not run.empty', true],
    ['not run.zero', true],
    ['not []', true],
    ['not [0]', false],
    ['false or 1 == 1 and 2 == 2', true],
    ['user.balance >= 100 and chat.lang == "ru"', true],
    ['user.tags[0]', 'vip'],
    ['user["name"]', 'Anna'],
    ['user.profile.city', 'Riga'],
    ['[1, "a", true, null]', [1, 'a', true, null]],
  ])('%s is %j', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it('stops evaluating "and"/"or" once the answer is known', () => {
    expect(evaluate('false and 1 / 0 == 1')).toBe(false);
    expect(evaluate('true or 1 / 0 == 1')).toBe(true);
  });

  it.each([
    ['"a" * 2', 'type'],
    ['true + 1', 'type'],
    ['"a" < 1', 'type'],
    ['-"a"', 'type'],
    ['1 / 0', 'division-by-zero'],
    ['5 % 0', 'division-by-zero'],
    ['1e308 * 10', 'out-of-range'],
    ['user[true]', 'type'],
  ])('%s fails with a %s error', (source, code) => {
    const error = errorOf(() => evaluate(source));
    expect(error).toBeInstanceOf(ExpressionRuntimeError);
    expect(error.code).toBe(code);
  });
});

describe('missing values', () => {
  it.each<[string, Value]>([
    ['user.missing', null],
    ['user.missing.deeper.still', null],
    ['nobody.home', null],
    ['user.tags[5]', null],
    ['user.tags[-1]', null],
    ['user.tags[0.5]', null],
    ['user.name.length', null],
    ['user[run.nothing]', null],
    ['run.nothing + 1', null],
    ['-run.nothing', null],
    ['run.nothing < 1', false],
    ['run.nothing >= 1', false],
    ['user.missing == null', true],
    ['default(user.missing, "guest")', 'guest'],
    ['default(user.name, "guest")', 'Anna'],
    ['default(run.zero, 5)', 0],
    ['length(user.missing)', 0],
    ['upper(user.missing)', null],
    ['contains(user.missing, "a")', false],
  ])('%s is %j, not an error', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });
});

describe('expression functions', () => {
  it.each<[string, Value]>([
    ['length("héllo👍")', 6],
    ['length(user.tags)', 2],
    ['length(user.profile)', 1],
    ['upper("straße")', 'STRASSE'],
    ['lower("ÀB")', 'àb'],
    ['trim(message.text)', '42'],
    ['contains("hello", "ell")', true],
    ['contains(user.tags, "beta")', true],
    ['contains([[1]], [1])', true],
    ['startsWith("ref_42", "ref_")', true],
    ['endsWith("file.pdf", ".png")', false],
    ['join(user.tags)', 'vip, beta'],
    ['join([1, null, "x"], "-")', '1--x'],
    ['string(12.5)', '12.5'],
    ['string(null)', ''],
    ['string(user.profile)', '{"city":"Riga"}'],
    ['number(message.text)', 42],
    ['number("1.5e2")', 150],
    ['number("12abc")', null],
    ['number("")', null],
    ['json("say \\"hi\\"")', '"say \\"hi\\""'],
    ['json(user.tags)', '["vip","beta"]'],
    ['format(1234567.891, 2, " ", ",")', '1 234 567,89'],
    ['format(1234.5)', '1235'],
    ['format(-0.001, 2)', '0.00'],
    ['format(-1234.5, 1, ",")', '-1,234.5'],
    ['round(2.345, 2)', 2.35],
    ['round(2.5)', 3],
    ['round(-2.5)', -2],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['abs(-3)', 3],
    ['min(3, 1, 2)', 1],
    ['max(run.list)', 3],
    ['min(null, 4)', 4],
    ['max([])', null],
  ])('%s is %j', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it.each([
    ['nope(1)', 'unknown-function'],
    ['toString(1)', 'unknown-function'],
    ['hasOwnProperty("x")', 'unknown-function'],
    ['default(1)', 'arity'],
    ['upper("a", "b")', 'arity'],
  ])('%s is refused when compiled (%s)', (source, code) => {
    const error = errorOf(() => compileExpression(source));
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect(error.code).toBe(code);
  });

  it.each(['upper(1)', 'length(5)', 'round(1, 11)', 'format(1, 0.5)', 'join("abc")', 'min("a")'])('%s is a type error', (source) => {
    expect(errorOf(() => evaluate(source)).code).toBe('type');
  });
});

describe('expression syntax', () => {
  it.each<[string, Value]>([
    ['"tab\\there"', 'tab\there'],
    ['"line\\nbreak"', 'line\nbreak'],
    ['"quote \\" inside"', 'quote " inside'],
    ["'single \\' quote'", "single ' quote"],
    ['"back\\\\slash"', 'back\\slash'],
    ['"\\u00e9\\u{1F600}"', 'é😀'],
    ['"{{ not a placeholder }}"', '{{ not a placeholder }}'],
  ])('decodes the escapes in %s', (source, expected) => {
    expect(evaluate(source)).toBe(expected);
  });

  it.each([
    ['', 'empty expression', 0],
    ['1 +', 'expression ends too early', 3],
    ['user.balance = 1', 'use "==" to compare', 13],
    ['a && b', 'use "and" instead of "&&"', 2],
    ['!a', 'use "not" instead of "!"', 0],
    ['1 < 2 < 3', 'comparisons cannot be chained; join them with "and"', 6],
    ['"open', 'string is not closed', 0],
    ['"bad \\q escape"', 'unknown escape "\\q"', 5],
    ['user.', 'expected a name after "."', 5],
    ['(1 + 2', 'expected ")"', 6],
    ['1 2', 'unexpected number "2"', 2],
    ['user.null', '"null" is a keyword, not a name', 5],
    ['a ? b : c', 'unexpected character "?"', 2],
  ])('%j is a syntax error with its position', (source, message, position) => {
    const error = errorOf(() => compileExpression(source));
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect([error.detail, error.position]).toEqual([message, position]);
    expect(error.message).toBe(`${message} (at ${position})`);
  });

  it('lists the names an expression reads, with positions', () => {
    expect(referencedVariables('user.balance >= 100 and chat["lang"] == run.list[user.i] and user[x]')).toEqual([
      { root: 'user', path: ['balance'], dynamic: false, position: 0 },
      { root: 'chat', path: ['lang'], dynamic: false, position: 24 },
      { root: 'run', path: ['list'], dynamic: false, position: 40 },
      { root: 'user', path: ['i'], dynamic: false, position: 49 },
      { root: 'user', path: [], dynamic: true, position: 61 },
      { root: 'x', path: [], dynamic: false, position: 66 },
    ]);
  });

  it('evaluates a compiled expression many times with the same result', () => {
    const compiled = compileExpression('user.balance * 2');
    expect([evaluateExpression(compiled, scope), evaluateExpression(compiled, scope)]).toEqual([300, 300]);
  });
});

describe('hostile input', () => {
  afterEach(() => {
    // Nothing an expression does may leak into JavaScript's shared objects.
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each(['user.__proto__', 'user.constructor', 'user.prototype', '__proto__', 'constructor.name', '"abc".constructor'])(
    'refuses %s when compiled',
    (source) => {
      expect(errorOf(() => compileExpression(source)).code).toBe('forbidden-name');
    },
  );

  it.each(['user["__proto__"]', 'user["constructor"]', 'user.tags["constructor"]', 'run.list["length"]', 'user.name["length"]'])(
    'reads %s as null',
    (source) => {
      expect(evaluate(source)).toBeNull();
    },
  );

  it('never calls a value: calls exist only for whitelisted function names', () => {
    expect(errorOf(() => compileExpression('constructor.constructor("return process")()')).code).toBe('forbidden-name');
    expect(errorOf(() => compileExpression('user.name("x")')).code).toBe('syntax');
    expect(errorOf(() => compileExpression('(upper)("x")')).code).toBe('syntax');
  });

  it.each(['globalThis', 'globalThis.process', 'process.env', 'this', 'Function', 'require', 'eval', 'Object.keys', 'Math.random'])(
    'reads the global %s as null',
    (source) => {
      expect(evaluate(source)).toBeNull();
    },
  );

  it('reads a JSON "__proto__" key as data, never as a prototype', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": true}, "safe": 1}');
    const over = { user: parsed as Record<string, unknown> };
    expect(evaluate('user.polluted', over)).toBeNull();
    expect(evaluate('user["__proto__"]', over)).toBeNull();
    expect(evaluate('user == user', over)).toBe(true);
    expect(evaluate('json(user)', over)).toBe('{"safe":1}');
  });

  it('does not call getters or functions found in the data', () => {
    let called = 0;
    const over = {
      user: {
        get secret(): string {
          called++;
          return 'leaked';
        },
        fn: () => {
          called++;
          return 'ran';
        },
      },
    };
    expect(evaluate('user.secret', over)).toBeNull();
    expect(evaluate('user.fn', over)).toBeNull();
    expect(called).toBe(0);
  });

  it('treats class instances, dates and symbols as missing, and reads Maps by own key', () => {
    class Account {
      balance = 5;
    }
    const over = new Map<string, unknown>([
      [
        'user',
        new Map<string, unknown>([
          ['balance', 7],
          ['__proto__', 1],
        ]),
      ],
      ['run', { account: new Account(), when: new Date(0), sym: Symbol('s'), big: BigInt(1) }],
    ]);
    expect(evaluate('user.balance', over)).toBe(7);
    expect(evaluate('user["__proto__"]', over)).toBeNull();
    expect(evaluate('[run.account.balance, run.when, run.sym, run.big]', over)).toEqual([null, null, null, null]);
  });

  it('rejects deep nesting before it can exhaust the stack', () => {
    expect(errorOf(() => compileExpression(`${'('.repeat(100)}1${')'.repeat(100)}`)).code).toBe('too-deep');
    expect(errorOf(() => compileExpression(`${'-'.repeat(200)}1`)).code).toBe('too-deep');
    expect(errorOf(() => compileExpression(`${'not '.repeat(100)}true`)).code).toBe('too-deep');
    expect(errorOf(() => compileExpression(`${'['.repeat(100)}${']'.repeat(100)}`)).code).toBe('too-deep');
    expect(evaluate(`${'('.repeat(60)}1${')'.repeat(60)}`)).toBe(1);
  });

  it('refuses data nested deeper than the limit with a clear error, not a stack overflow', () => {
    const nest = (depth: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
      return v;
    };
    const deep = { run: { a: nest(3_000), b: nest(3_000) } };
    for (const source of ['json(run.a)', 'string(run.a)', '"x" + run.a', 'run.a == run.b', 'contains([run.a], run.b)', 'join([run.a])']) {
      const error = errorOf(() => evaluate(source, deep));
      expect([source, error.code, error.detail]).toEqual([source, 'too-deep', 'data nested deeper than 100 levels']);
    }
    expect(evaluate('json(run.a)', { run: { a: nest(100) } })).toMatch(/^\[\{"a":\[/);
    expect(evaluate('run.a == run.b', { run: { a: nest(100), b: nest(100) } })).toBe(true);
  });

  it('rejects a 100 KB expression by its length, without reading it', () => {
    for (const source of [
      'a'.repeat(100_000),
      `"${'x'.repeat(100_000)}"`,
      `${'('.repeat(50_000)}${')'.repeat(50_000)}`,
      '1+'.repeat(50_000),
    ]) {
      const error = errorOf(() => compileExpression(source));
      expect([error.code, error.position]).toEqual(['too-long', 1_000]);
    }
  });

  it('stops an evaluation that would take too long', () => {
    const items = (): number[] => Array.from({ length: 20_000 }, (_, i) => i);
    const big = { run: { items: items(), copy: items() } };
    expect(errorOf(() => evaluate('run.items == run.copy', big)).code).toBe('budget');
    expect(errorOf(() => evaluate('join(run.items)', big)).code).toBe('budget');
    expect(errorOf(() => evaluate('contains(run.items, -1)', big)).code).toBe('budget');
    expect(errorOf(() => evaluate('max(run.items)', big)).code).toBe('budget');
  });

  it('stops an evaluation that would build a huge string', () => {
    const big = { run: { s: 'x'.repeat(40_000) } };
    expect(errorOf(() => evaluate('run.s + run.s', big)).code).toBe('out-of-range');
    expect(errorOf(() => evaluate('upper(run.s) + run.s', big)).code).toBe('out-of-range');
  });

  it('has no clock or randomness: the same input always gives the same output', () => {
    const source = 'format(user.balance * 1.1, 2) + " " + join(user.tags, "/")';
    const results = Array.from({ length: 5 }, () => evaluate(source));
    expect(new Set(results).size).toBe(1);
  });
});
