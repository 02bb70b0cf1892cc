import type { ArithmeticOperator, ComparisonOperator, Expr } from './ast';
import { ExpressionRuntimeError } from './errors';
import { expressionFunctions } from './functions';
import { type Budget, checkString, displayString, isTruthy, lookup, type ScopeInput, typeName, type Value, valuesEqual } from './values';

/**
 * Evaluates a parsed expression over `scope`. Pure: reads only `scope`, never throws anything
 * but ExpressionRuntimeError, and stops once `budget` is spent.
 */
export function evaluateAst(expr: Expr, scope: ScopeInput, budget: Budget): Value {
  budget.charge(1, expr.position);
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'list':
      return expr.items.map((item) => evaluateAst(item, scope, budget));
    case 'root':
      return lookup(scope, expr.name);
    case 'member':
      return lookup(evaluateAst(expr.object, scope, budget), expr.name);
    case 'index':
      return index(evaluateAst(expr.object, scope, budget), evaluateAst(expr.index, scope, budget), expr.position);
    case 'call': {
      const args = expr.args.map((arg) => evaluateAst(arg, scope, budget));
      // The parser admits only names of this table, so the lookup cannot miss.
      const fn = expressionFunctions[expr.name] as (typeof expressionFunctions)[string];
      return fn.call(args, { position: expr.position, budget });
    }
    case 'not':
      return !isTruthy(evaluateAst(expr.operand, scope, budget));
    case 'negate': {
      const v = evaluateAst(expr.operand, scope, budget);
      if (v === null) return null;
      if (typeof v !== 'number') return typeError(`cannot negate ${typeName(v)}`, expr.position);
      return -v;
    }
    case 'logical': {
      const left = isTruthy(evaluateAst(expr.left, scope, budget));
      if (expr.op === 'and' ? !left : left) return left;
      return isTruthy(evaluateAst(expr.right, scope, budget));
    }
    case 'compare':
      return compare(expr.op, evaluateAst(expr.left, scope, budget), evaluateAst(expr.right, scope, budget), budget, expr.position);
    case 'arithmetic':
      return arithmetic(expr.op, evaluateAst(expr.left, scope, budget), evaluateAst(expr.right, scope, budget), budget, expr.position);
  }
}

function typeError(message: string, position: number): never {
  throw new ExpressionRuntimeError('type', message, position);
}

function index(target: Value, key: Value, position: number): Value {
  if (key === null) return null;
  if (typeof key === 'number' || typeof key === 'string') return lookup(target, key);
  return typeError(`cannot index with ${typeName(key)}`, position);
}

// Ordering is defined for two numbers or two texts; anything compared with null is false,
// so `user.balance >= 100` is simply false while the balance is unknown.
function compare(op: ComparisonOperator, a: Value, b: Value, budget: Budget, position: number): boolean {
  if (op === '==') return valuesEqual(a, b, budget, position);
  if (op === '!=') return !valuesEqual(a, b, budget, position);
  if (a === null || b === null) return false;
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
    return typeError(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`, position);
  }
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

// `+` joins texts when either side is text (null joins as ""); otherwise operators take
// numbers, and a null operand makes the result null rather than an error.
function arithmetic(op: ArithmeticOperator, a: Value, b: Value, budget: Budget, position: number): Value {
  if (op === '+' && (typeof a === 'string' || typeof b === 'string')) {
    const left = displayString(a, budget, position);
    const right = displayString(b, budget, position);
    budget.charge(Math.floor((left.length + right.length) / 1_000), position);
    return checkString(left + right, position);
  }
  if (a === null || b === null) return null;
  if (typeof a !== 'number' || typeof b !== 'number') {
    return typeError(`cannot apply ${op} to ${typeName(a)} and ${typeName(b)}`, position);
  }
  if ((op === '/' || op === '%') && b === 0) {
    throw new ExpressionRuntimeError('division-by-zero', 'division by zero', position);
  }
  const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  if (!Number.isFinite(result)) throw new ExpressionRuntimeError('out-of-range', 'number is too large', position);
  return result;
}
