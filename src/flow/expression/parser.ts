import type { ArithmeticOperator, ComparisonOperator, Expr } from './ast';
import { ExpressionSyntaxError } from './errors';
import { expressionFunctions } from './functions';
import type { Token } from './lexer';
import { MAX_DEPTH } from './limits';
import { FORBIDDEN_NAMES } from './values';

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null']);

// Binding powers, loosest first. `not` binds looser than comparison (`not a == b` is
// `not (a == b)`), unary minus tighter than `*` (`-a * b` is `(-a) * b`).
const BP = { or: 1, and: 2, not: 3, compare: 4, additive: 5, multiplicative: 6, negate: 7, postfix: 8 } as const;

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

function infixPower(token: Token): number | undefined {
  if (token.kind === 'identifier') return token.text === 'and' ? BP.and : token.text === 'or' ? BP.or : undefined;
  if (token.kind !== 'operator') return undefined;
  if (COMPARISONS.has(token.text)) return BP.compare;
  if (token.text === '+' || token.text === '-') return BP.additive;
  if (token.text === '*' || token.text === '/' || token.text === '%') return BP.multiplicative;
  if (token.text === '.' || token.text === '[') return BP.postfix;
  return undefined;
}

/** Parses the tokens of one expression (up to its `end` token) into an AST. */
export function parseTokens(tokens: readonly Token[]): Expr {
  return new Parser(tokens).parseAll();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    if (this.peek().kind === 'end') this.fail('empty expression', this.peek());
    const expr = this.parseExpression(0);
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`unexpected ${describe(rest)}`, rest);
    return expr;
  }

  private parseExpression(minPower: number): Expr {
    if (++this.depth > MAX_DEPTH) {
      throw new ExpressionSyntaxError('too-deep', `expression is nested deeper than ${MAX_DEPTH} levels`, this.peek().position);
    }
    let left = this.parsePrefix();
    for (;;) {
      const token = this.peek();
      const power = infixPower(token);
      if (power === undefined || power <= minPower) break;
      this.index++;
      left = this.parseInfix(left, token, power);
    }
    this.depth--;
    return left;
  }

  private parsePrefix(): Expr {
    const token = this.next();
    const position = token.position;
    switch (token.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value ?? null, position };
      case 'identifier':
        return this.parseName(token);
      case 'operator':
        if (token.text === '(') {
          const inner = this.parseExpression(0);
          this.expect(')');
          return inner;
        }
        if (token.text === '[') return { kind: 'list', items: this.parseList(']'), position };
        if (token.text === '-') return { kind: 'negate', operand: this.parseExpression(BP.negate), position };
        return this.fail(`unexpected ${describe(token)}`, token);
      case 'end':
        return this.fail('expression ends too early', token);
    }
  }

  private parseName(token: Token): Expr {
    const { text: name, position } = token;
    switch (name) {
      case 'true':
        return { kind: 'literal', value: true, position };
      case 'false':
        return { kind: 'literal', value: false, position };
      case 'null':
        return { kind: 'literal', value: null, position };
      case 'not':
        return { kind: 'not', operand: this.parseExpression(BP.not), position };
      case 'and':
      case 'or':
        return this.fail(`"${name}" needs a value on its left`, token);
    }
    if (this.peek().text === '(' && this.peek().kind === 'operator') {
      const fn = Object.prototype.hasOwnProperty.call(expressionFunctions, name) ? expressionFunctions[name] : undefined;
      if (fn === undefined) {
        throw new ExpressionSyntaxError('unknown-function', `unknown function "${name}"`, position);
      }
      this.index++;
      const args = this.parseList(')');
      if (args.length < fn.minArgs || args.length > fn.maxArgs) {
        const expected = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
        throw new ExpressionSyntaxError('arity', `${name}() takes ${expected} arguments, got ${args.length}`, position);
      }
      return { kind: 'call', name, args, position };
    }
    this.checkName(token);
    return { kind: 'root', name, position };
  }

  private parseInfix(left: Expr, token: Token, power: number): Expr {
    const position = token.position;
    if (token.text === '.') {
      const name = this.next();
      if (name.kind !== 'identifier') return this.fail('expected a name after "."', name);
      this.checkName(name);
      return { kind: 'member', object: left, name: name.text, position: name.position };
    }
    if (token.text === '[') {
      const index = this.parseExpression(0);
      this.expect(']');
      return { kind: 'index', object: left, index, position };
    }
    const right = this.parseExpression(power);
    if (token.text === 'and' || token.text === 'or') return { kind: 'logical', op: token.text, left, right, position };
    if (power === BP.compare) {
      const following = this.peek();
      if (following.kind === 'operator' && COMPARISONS.has(following.text)) {
        this.fail('comparisons cannot be chained; join them with "and"', following);
      }
      return { kind: 'compare', op: token.text as ComparisonOperator, left, right, position };
    }
    return { kind: 'arithmetic', op: token.text as ArithmeticOperator, left, right, position };
  }

  // Comma-separated expressions up to `close`; the opening bracket is already consumed.
  private parseList(close: ')' | ']'): Expr[] {
    const items: Expr[] = [];
    if (this.peek().kind === 'operator' && this.peek().text === close) {
      this.index++;
      return items;
    }
    for (;;) {
      items.push(this.parseExpression(0));
      const token = this.next();
      if (token.kind === 'operator' && token.text === close) return items;
      if (token.kind !== 'operator' || token.text !== ',') this.fail(`expected "," or "${close}"`, token);
    }
  }

  private checkName(token: Token): void {
    if (FORBIDDEN_NAMES.has(token.text)) {
      throw new ExpressionSyntaxError('forbidden-name', `"${token.text}" is not allowed`, token.position);
    }
    if (KEYWORDS.has(token.text)) this.fail(`"${token.text}" is a keyword, not a name`, token);
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.kind !== 'operator' || token.text !== text) this.fail(`expected "${text}"`, token);
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.endToken();
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private endToken(): Token {
    const last = this.tokens[this.tokens.length - 1];
    return { kind: 'end', text: '', position: last?.position ?? 0 };
  }

  private fail(message: string, token: Token): never {
    throw new ExpressionSyntaxError('syntax', message, token.position);
  }
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of expression';
  return `${token.kind === 'operator' ? '' : `${token.kind} `}"${token.text}"`;
}
