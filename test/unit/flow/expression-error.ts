// The expression error `run` throws; fails the test when it throws nothing or something else.
import { ExpressionError } from '../../../src/flow';

export function errorOf(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}
