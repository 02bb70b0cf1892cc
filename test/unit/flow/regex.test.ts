import { compileAuthorRegex } from '../../../src/flow';
import { regexProblem } from '../../../src/flow/regex';

describe('author regular expressions', () => {
  it.each(['^\\d{2}\\.\\d{2}$', '^(hi|hello)\\b', '(?:ab)+', '(\\d{2}){3}', '^[^@\\s]+@[^@\\s]+$', '(?<year>\\d{4})-(?<month>\\d{2})', '[(+*]+'])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each(['(a+)+$', '^(\\w+\\s?)+$', '(a*)*', '(\\d{1,3})+', '((ab)*c)+', '(?:x+y?)*'])('refuses %s, which can backtrack exponentially', (pattern) => {
    expect(regexProblem(pattern)).toMatch(/exponential/);
  });

  it('refuses patterns that do not compile, or are too long', () => {
    expect(regexProblem('a{')).toMatch(/does not compile/);
    expect(regexProblem('(unclosed')).toMatch(/does not compile/);
    expect(regexProblem('a'.repeat(201))).toBe('pattern is longer than 200 characters');
  });

  it('compiles the way the runtime will match: unicode, case-insensitive unless asked', () => {
    expect(compileAuthorRegex('^привет$', false).test('ПРИВЕТ')).toBe(true);
    expect(compileAuthorRegex('^привет$', true).test('ПРИВЕТ')).toBe(false);
    expect(compileAuthorRegex('^.$', true).test('😀')).toBe(true);
  });
});
