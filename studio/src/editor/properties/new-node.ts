import { dataJsonSchema, isKnownType } from '../../flow/catalogue';
import { initialData } from './form-model';

/** The data a node dropped from the palette starts with: its type's defaults (`{}` for an unknown type). */
export function newNodeData(type: string): Record<string, unknown> {
  return isKnownType(type) ? initialData(dataJsonSchema(type)) : {};
}
