/** `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS and DATABASE_URL. */
import { resolveApiToken } from '../runtime/local-secrets';
import { runProcess } from '../runtime/lifecycle';
import { startServices } from '../app/services';
import { requireExternal } from './require-external';

runProcess('api', async ({ config, logger, lifecycle }) => {
  const { temporalAddress, databaseUrl } = requireExternal(config);
  const apiToken = resolveApiToken(config, logger);
  await startServices({
    config,
    logger,
    lifecycle,
    temporalAddress,
    databaseUrl,
    apiToken: apiToken.token,
    runApi: true,
    runWorker: false,
  });
  if (apiToken.generated) process.stdout.write(`API token (generated, kept in ${config.DATA_DIR}/api-token): ${apiToken.token}\n`);
});
