import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';
import { customSearchAttributes } from './search-attributes';

/** The search attributes the namespace must have, as `Name=Type` (the CLI's `--search-attribute` spelling: `BotId=Keyword`). */
export const requiredSearchAttributes = customSearchAttributes.map(
  (key) => `${key.name}=${key.type.charAt(0)}${key.type.slice(1).toLowerCase()}`,
);

/**
 * Whether this process registers the search attributes itself. Temporal Cloud does not let a
 * namespace's clients add them through the operator API (they are created with `tcld` or in
 * the Cloud UI), so `auto` leaves them alone when an API key is set or the address is Cloud's
 * (`*.tmprl.cloud`, mTLS namespaces).
 */
export function registersSearchAttributes(
  config: Pick<Config, 'TEMPORAL_REGISTER_SEARCH_ATTRIBUTES' | 'TEMPORAL_API_KEY' | 'TEMPORAL_ADDRESS'>,
): boolean {
  if (config.TEMPORAL_REGISTER_SEARCH_ATTRIBUTES !== 'auto') return config.TEMPORAL_REGISTER_SEARCH_ATTRIBUTES === 'on';
  const cloud = /\.tmprl\.cloud:\d+$/i.test(config.TEMPORAL_ADDRESS ?? '');
  return config.TEMPORAL_API_KEY === undefined && !cloud;
}

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
