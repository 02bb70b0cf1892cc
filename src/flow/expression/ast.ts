import type { Value } from './values';

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/** Parsed expression. `position` points at the token that names the node (operator, name, …). */
export type Expr =
  | { readonly kind: 'literal'; readonly value: Value; readonly position: number }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly position: number }
  | { readonly kind: 'root'; readonly name: string; readonly position: number }
  | { readonly kind: 'member'; readonly object: Expr; readonly name: string; readonly position: number }
  | { readonly kind: 'index'; readonly object: Expr; readonly index: Expr; readonly position: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly position: number }
  | { readonly kind: 'not'; readonly operand: Expr; readonly position: number }
  | { readonly kind: 'negate'; readonly operand: Expr; readonly position: number }
  | { readonly kind: 'logical'; readonly op: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly position: number }
  | { readonly kind: 'compare'; readonly op: ComparisonOperator; readonly left: Expr; readonly right: Expr; readonly position: number }
  | { readonly kind: 'arithmetic'; readonly op: ArithmeticOperator; readonly left: Expr; readonly right: Expr; readonly position: number };
