import type { Config } from '../config';

/** The standalone api/worker processes never start servers: they need both addresses. */
export function requireExternal(config: Config): { temporalAddress: string; databaseUrl: string } {
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} must be set (start them with \`npm run infra\`, or use \`npm start\` for everything)`);
  }
  return { temporalAddress: config.TEMPORAL_ADDRESS as string, databaseUrl: config.DATABASE_URL as string };
}
