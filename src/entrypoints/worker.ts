/** `npm run worker`: a worker alone, against TEMPORAL_ADDRESS and DATABASE_URL. Run as many as needed. */
import { runProcess } from '../runtime/lifecycle';
import { installSdkRuntime } from '../workers/sdk-logger';
import { startServices } from '../app/services';
import { requireExternal } from './require-external';

runProcess('worker', async ({ config, logger, lifecycle }) => {
  installSdkRuntime(logger, { metricsAddress: config.TEMPORAL_SDK_METRICS_ADDRESS });
  const { temporalAddress, databaseUrl } = requireExternal(config);
  await startServices({ config, logger, lifecycle, temporalAddress, databaseUrl, apiToken: '', runApi: false, runWorker: true });
});
