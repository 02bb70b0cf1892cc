/**
 * `npm start`: the whole system in one process tree on embedded defaults – Temporal dev server
 * and PostgreSQL (unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere), the API and a worker.
 * Outside production it runs the chat simulator too: without TELEGRAM_BOT_TOKEN it stands in for
 * Telegram with a demo bot; any registered bot can be switched to it as well.
 */
import { startInfra } from '../runtime/infra';
import { runProcess } from '../runtime/lifecycle';
import { resolveApiToken } from '../runtime/local-secrets';
import { startServices } from '../runtime/services';
import { startSimulator } from '../simulator/simulator';
import { installSdkLogger } from '../workers/sdk-logger';
import { printBanner } from './banner';

runProcess('bots', async ({ config: configured, logger, lifecycle }) => {
  installSdkLogger(logger);
  const apiToken = resolveApiToken(configured);
  const infra = await startInfra(configured, logger);
  lifecycle.onStop('embedded servers', () => infra.stop());

  const config = configured;
  const simulator = config.SIMULATOR === 'auto' && config.NODE_ENV !== 'production' ? await startSimulator() : undefined;
  if (simulator) lifecycle.onStop('simulator', () => simulator.stop());
  const services = await startServices({
    config,
    logger,
    lifecycle,
    temporalAddress: infra.temporalAddress,
    databaseUrl: infra.databaseUrl,
    apiToken: apiToken.token,
    runApi: true,
    runWorker: true,
    simulator,
    temporalUiUrl: infra.temporalUiUrl,
  });
  printBanner({ infra, apiUrl: services.apiUrl, apiToken, simulator: simulator ? (config.TELEGRAM_BOT_TOKEN ? 'bots' : 'demo') : undefined });
});
