/**
 * `npm start`: the whole system in one process tree on embedded defaults – Temporal dev server
 * and PostgreSQL (unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere), the API and a worker.
 */
import { resolveApiToken } from '../runtime/local-secrets';
import { startInfra } from '../runtime/infra';
import { runProcess } from '../runtime/lifecycle';
import { installSdkLogger } from '../workers/sdk-logger';
import { startServices } from '../runtime/services';
import { printBanner } from './banner';

runProcess('bots', async ({ config, logger, lifecycle }) => {
  installSdkLogger(logger);
  const apiToken = resolveApiToken(config);
  const infra = await startInfra(config, logger);
  lifecycle.onStop('embedded servers', () => infra.stop());
  const services = await startServices({
    config,
    logger,
    lifecycle,
    temporalAddress: infra.temporalAddress,
    databaseUrl: infra.databaseUrl,
    apiToken: apiToken.token,
    runApi: true,
    runWorker: true,
  });
  printBanner({ infra, apiUrl: services.apiUrl, apiToken });
});
