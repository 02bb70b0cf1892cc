import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { customSearchAttributes } from './search-attributes';

/**
 * Registers the project's search attributes in the namespace if they are missing. Idempotent, so
 * every process may call it at start; against a cluster whose operators manage attributes
 * themselves it is a no-op.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = customSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length > 0) await addSearchAttributes(connection, namespace, missing);
}

/**
 * Registers search attributes (all of the project's are keywords) without asking which exist:
 * for a server that cannot list them, such as the time-skipping test server.
 */
export async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly (typeof customSearchAttributes)[number][] = customSearchAttributes,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
}
