import fc from 'fast-check';
import { compileAuthorRegex } from '../../../src/flow';
import { compileLegacyRegex, MAX_PATTERN_LENGTH, regexProblem } from '../../../src/flow/regex';
import { countingText } from './counting-text';

// The patterns and messages of the security review: each took seconds to a minute on
// JavaScript's backtracking RegExp in the worker thread shared by every chat.
const hostile: ReadonlyArray<readonly [string, string]> = [
  ['^(?:\\d+[.,]?){1,10}$', `${'1'.repeat(40)}x`],
  ['^(\\w|\\d)+$', `${'1'.repeat(40)}!`],
  ['(a|a)+$', `${'a'.repeat(40)}b`],
  ['^\\d+\\s*\\d+\\s*\\d+\\s*x', '1'.repeat(4_000)],
  ['.*.*.*=', 'x'.repeat(4_000)],
  ['^(.*,){12}x', ','.repeat(4_000)],
  ['(a+)+$', `${'a'.repeat(40)}b`],
  ['^(\\w+\\s?)+$', `${'word '.repeat(30)}!`],
];

/** Characters the engine reads to search `text`: the measure of its work, independent of the clock. */
function readsFor(pattern: string, caseSensitive: boolean, text: string): { reads: number; match: string[] | null } {
  const counted = countingText(text);
  const match = compileAuthorRegex(pattern, caseSensitive).exec(counted.text);
  return { reads: counted.reads(), match };
}

describe('author regular expressions', () => {
  it.each([
    '^\\d{2}\\.\\d{2}$',
    '^(hi|hello)\\b',
    '(?:ab)+',
    '(\\d{2}){3}',
    '^[^@\\s]+@[^@\\s]+$',
    '(?<year>\\d{4})-(?<month>\\d{2})',
    '[(+*]+',
    '\\p{Lu}\\u0041',
  ])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each(hostile.map(([pattern]) => pattern))('accepts %s, which RE2 runs in linear time', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each(['(?=a)b', '(?!a)b', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>'])(
    'refuses %s: lookarounds and backreferences cannot run on RE2',
    (pattern) => {
      expect(regexProblem(pattern)).toMatch(/cannot be used/);
    },
  );

  it('refuses patterns that do not compile, or are too long, or too large', () => {
    expect(regexProblem('(unclosed')).toMatch(/missing closing \)/);
    expect(regexProblem('a{1001}')).toMatch(/repeat count/);
    expect(regexProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))).toBe('pattern is longer than 200 characters');
  });

  it('matches as the runtime will: unicode, case-insensitive unless asked, groups as strings', () => {
    expect(compileAuthorRegex('^привет$', false).exec('ПРИВЕТ')).toEqual(['ПРИВЕТ']);
    expect(compileAuthorRegex('^привет$', true).exec('ПРИВЕТ')).toBeNull();
    expect(compileAuthorRegex('^.$', true).exec('😀')).toEqual(['😀']);
    expect(compileAuthorRegex('(?<day>\\d{2})\\.(\\d{2})', true).exec('on 24.12!')).toEqual(['24.12', '24', '12']);
    // A group that took no part is '' (as message.match always was), not undefined.
    expect(compileAuthorRegex('(a)|(b)', true).exec('b')).toEqual(['b', '', 'b']);
    expect(compileAuthorRegex('^\\u0041\\u{1F600}$', true).exec('A😀')).toEqual(['A😀']);
  });

  it('finds what JavaScript found for the patterns flows use', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['^\\d{2}\\.\\d{2}$', '24.12'],
      ['^(hi|hello)\\b', 'Hello there'],
      ['^[^@\\s]+@[^@\\s]+$', 'rita@example.com'],
      ['(\\d+) credits', 'buy 50 credits now'],
      ['^/?(\\w+)\\s+(.*)$', '/ask what is RE2'],
    ];
    for (const [pattern, text] of cases) {
      for (const caseSensitive of [true, false]) {
        expect(compileAuthorRegex(pattern, caseSensitive).exec(text)).toEqual(compileLegacyRegex(pattern, caseSensitive).exec(text));
      }
    }
  });

  it("counts the engine's reads of the text (a text lacking a required literal is skipped by a native search, read 0 times)", () => {
    const text = `${'a'.repeat(1_000)}b`;
    expect(readsFor('(a|a)+$', true, text).reads).toBeGreaterThanOrEqual(text.length);
    expect(readsFor('a+x', true, text).reads).toBe(0);
  });

  it.each(hostile)('runs %s on a hostile message in steps linear in its length', (pattern, text) => {
    for (const caseSensitive of [true, false]) {
      const once = readsFor(pattern, caseSensitive, text);
      const twice = readsFor(pattern, caseSensitive, text.repeat(2));
      expect(once.match).toBeNull();
      // Doubling the message at most doubles the work (plus the constant of a restart).
      expect(twice.reads).toBeLessThanOrEqual(2 * once.reads + 64);
      expect(once.reads).toBeLessThanOrEqual(stepBound(pattern, text.length));
    }
  });

  it('runs any pattern built from backtracking traps on any message of up to 4,096 characters in bounded steps', () => {
    // Pieces that make backtracking engines explode when nested, alternated and anchored.
    const atom = fc.constantFrom('a', '\\d', '\\w', '.', '[a-z]', '\\s', '[.,]', '(?:a|a)', '(?:a|ab)', '\\p{L}');
    const quantified = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,10}', '{2,}', '*?')).map(([a, q]) => a + q);
    const group = fc
      .array(quantified, { minLength: 1, maxLength: 4 })
      .chain((parts) => fc.constantFrom('+', '*', '{1,10}', '{3}', '').map((q) => `(${parts.join('')})${q}`));
    const pattern = fc
      .tuple(fc.boolean(), fc.array(fc.oneof(group, quantified), { minLength: 1, maxLength: 5 }), fc.constantFrom('$', 'x$', '!', ''))
      .map(([anchored, parts, end]) => `${anchored ? '^' : ''}${parts.join('')}${end}`)
      .filter((p) => regexProblem(p) === undefined);
    const text = fc
      .tuple(fc.constantFrom('a', '1', ',', ' ', 'ab', 'a1,', 'я'), fc.integer({ min: 1, max: 4_000 }), fc.constantFrom('', 'b', '!', 'x'))
      .map(([unit, count, tail]) => (unit.repeat(count) + tail).slice(0, 4_096));
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (p, t, caseSensitive) => {
        const { reads } = readsFor(p, caseSensitive, t);
        expect(reads).toBeLessThanOrEqual(stepBound(p, t.length));
      }),
      { numRuns: 150, seed: 20261130 },
    );
  });
});

/**
 * RE2 reads each character a bounded number of times per instruction of the compiled pattern
 * (the pattern's length bounds the program, with case folding and bounded repeats spelled out).
 * A backtracking engine needs exponentially many reads on the hostile inputs above.
 */
function stepBound(pattern: string, textLength: number): number {
  return 40 * pattern.length * (textLength + 1);
}
