import { z } from 'zod';
import { flowVersionSchema } from './schema';

/**
 * JSON Schema (draft 2020-12) of a flow version, for editors: completion, inline errors and
 * hovers from the same zod schema the validator uses. Templates and expressions are marked
 * with `x-flow-kind` so an editor can highlight them. Rules the schema language cannot express
 * (graph checks, regex safety, declared variables) are left to `checkFlow`.
 */
export function flowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(flowVersionSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
