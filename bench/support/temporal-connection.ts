import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../../src/temporal/connection-options';
import { dataConverterFromConfig } from '../../src/temporal/payload-codec';

/**
 * The connection options for `address` from an environment, as the project's own processes build
 * them (TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TEMPORAL_TLS_*): a bench against a secured cluster
 * connects the same way as the stack it measures.
 */
export function benchConnectionOptions(env: Record<string, string | undefined>, address: string): TemporalConnectionOptions {
  return temporalConnectionOptions(loadConfig(env, '/nonexistent/.env'), address);
}

/** A client of the stack under test: its connection options and its payload codec (TEMPORAL_PAYLOAD_KEYS). */
export async function connectBenchClient(
  env: Record<string, string | undefined>,
  address: string,
  options: { connectTimeout?: number; namespace?: string } = {},
): Promise<{ client: Client; connection: Connection }> {
  const config = loadConfig(env, '/nonexistent/.env');
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config, address),
    ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
  });
  const dataConverter = dataConverterFromConfig(config);
  return {
    connection,
    client: new Client({
      connection,
      namespace: options.namespace ?? config.TEMPORAL_NAMESPACE,
      ...(dataConverter ? { dataConverter } : {}),
    }),
  };
}

/** A worker connection to the stack under test, with the same options. */
export function connectBenchWorker(env: Record<string, string | undefined>, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(benchConnectionOptions(env, address));
}
