import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { customSearchAttributes } from './search-attributes';

export async function connectClient(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/**
 * Registers the project's search attributes in the namespace if they are missing. Idempotent, so
 * every process may call it at start; against a cluster whose operators manage attributes
 * themselves it is a no-op.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = customSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}
