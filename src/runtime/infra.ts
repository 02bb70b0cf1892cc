import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedTemporal, type EmbeddedTemporal } from './embedded-temporal';

export interface Infra {
  temporalAddress: string;
  databaseUrl: string;
  /** Set when the Temporal dev server was started here. */
  temporalUiUrl?: string;
  /** Set when PostgreSQL was started here. */
  postgresVersion?: string;
  /** Set when the embedded PostgreSQL's cluster is outside DATA_DIR (root, DATA_DIR out of its reach). */
  postgresRelocatedTo?: string;
  stop(): Promise<void>;
}

/**
 * Brings up what the configuration does not point at: the Temporal dev server when
 * TEMPORAL_ADDRESS is unset, PostgreSQL when DATABASE_URL is unset. Both start in parallel; if
 * one fails the other is stopped again, so a failed start leaves no process behind.
 */
export async function startInfra(config: Config, logger: Logger, options: { uiCodecEndpoint?: string } = {}): Promise<Infra> {
  const dataDir = path.resolve(config.DATA_DIR);
  const temporalStart: Promise<EmbeddedTemporal | undefined> = config.TEMPORAL_ADDRESS
    ? Promise.resolve(undefined)
    : startEmbeddedTemporal({
        dataDir,
        namespace: config.TEMPORAL_NAMESPACE,
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        cliPath: config.TEMPORAL_CLI,
        uiCodecEndpoint: options.uiCodecEndpoint,
        logger: logger.child({ component: 'temporal-server' }),
      });
  const postgresStart: Promise<EmbeddedPostgres | undefined> = config.DATABASE_URL
    ? Promise.resolve(undefined)
    : startEmbeddedPostgres({
        dataDir,
        port: config.POSTGRES_PORT,
        database: 'bots',
        logger: logger.child({ component: 'postgres' }),
      });
  const [temporal, postgres] = await Promise.allSettled([temporalStart, postgresStart]);
  const embeddedTemporal = temporal.status === 'fulfilled' ? temporal.value : undefined;
  const embeddedPostgres = postgres.status === 'fulfilled' ? postgres.value : undefined;
  const stop = async () => {
    // Temporal first: it may still be dispatching tasks whose activities use PostgreSQL.
    await embeddedTemporal?.stop();
    await embeddedPostgres?.stop();
  };
  if (temporal.status === 'rejected' || postgres.status === 'rejected') {
    await stop();
    throw temporal.status === 'rejected' ? temporal.reason : (postgres as PromiseRejectedResult).reason;
  }
  return {
    temporalAddress: embeddedTemporal?.address ?? (config.TEMPORAL_ADDRESS as string),
    databaseUrl: embeddedPostgres?.url ?? (config.DATABASE_URL as string),
    temporalUiUrl: embeddedTemporal?.uiUrl,
    postgresVersion: embeddedPostgres?.version,
    postgresRelocatedTo: embeddedPostgres?.relocated ? embeddedPostgres.clusterDir : undefined,
    stop,
  };
}
