/** What went wrong, for callers that react differently (e.g. the validator vs. the runtime). */
export type ExpressionErrorCode =
  | 'syntax'
  | 'too-long'
  | 'too-deep'
  | 'forbidden-name'
  | 'unknown-function'
  | 'arity'
  | 'type'
  | 'division-by-zero'
  | 'out-of-range'
  | 'budget';

/**
 * Base class of every error the expression language throws. `position` is a 0-based offset
 * into the source the author wrote (the whole template, for template placeholders), so an
 * editor can underline it.
 */
export class ExpressionError extends Error {
  constructor(
    readonly code: ExpressionErrorCode,
    readonly detail: string,
    readonly position: number,
  ) {
    super(`${detail} (at ${position})`);
    this.name = new.target.name;
  }
}

/** Thrown by `compileExpression`/`compileTemplate`: the text is not a valid expression. */
export class ExpressionSyntaxError extends ExpressionError {}

/** Thrown while evaluating: a type mismatch, division by zero, or the work budget ran out. */
export class ExpressionRuntimeError extends ExpressionError {}
