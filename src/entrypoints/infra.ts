/**
 * `npm run infra`: only the embedded Temporal and PostgreSQL, kept up until interrupted, for
 * running `npm run api` and `npm run worker` separately (and killing them in fault tests).
 */
import { startInfra } from '../runtime/infra';
import { runProcess } from '../runtime/lifecycle';

runProcess('infra', async ({ config, logger, lifecycle }) => {
  const infra = await startInfra(config, logger);
  lifecycle.onStop('embedded servers', () => infra.stop());
  const lines = [
    `TEMPORAL_ADDRESS=${infra.temporalAddress}`,
    `DATABASE_URL=${infra.databaseUrl}`,
    ...(infra.temporalUiUrl ? [`# Temporal Web UI: ${infra.temporalUiUrl}`] : []),
    '# Export these lines for `npm run api` and `npm run worker`; Ctrl-C stops the servers.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
});
