/**
 * `npm start`: the whole system in one process tree on embedded defaults – Temporal dev server
 * and PostgreSQL (unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere), the API and a worker.
 * Without TELEGRAM_BOT_TOKEN, the chat simulator stands in for Telegram with a demo bot.
 */
import { botIdOf } from '../bots/token-cipher';
import { startInfra } from '../runtime/infra';
import { runProcess } from '../runtime/lifecycle';
import { resolveApiToken } from '../runtime/local-secrets';
import { startServices } from '../runtime/services';
import { seedDemoUser, startSimulator } from '../simulator/simulator';
import { installSdkLogger } from '../workers/sdk-logger';
import { printBanner } from './banner';

runProcess('bots', async ({ config: configured, logger, lifecycle }) => {
  installSdkLogger(logger);
  const apiToken = resolveApiToken(configured);
  const infra = await startInfra(configured, logger);
  lifecycle.onStop('embedded servers', () => infra.stop());

  let config = configured;
  const simulator = !config.TELEGRAM_BOT_TOKEN && config.SIMULATOR === 'auto' && config.NODE_ENV !== 'production' ? await startSimulator() : undefined;
  if (simulator) {
    lifecycle.onStop('simulator', () => simulator.stop());
    config = { ...config, TELEGRAM_BOT_TOKEN: simulator.botToken, TELEGRAM_API_ROOT: simulator.apiRoot, TELEGRAM_MODE: 'polling' };
  }
  const services = await startServices({
    config,
    logger,
    lifecycle,
    temporalAddress: infra.temporalAddress,
    databaseUrl: infra.databaseUrl,
    apiToken: apiToken.token,
    runApi: true,
    runWorker: true,
    simulator: simulator && { emulator: simulator.emulator, temporalUiUrl: infra.temporalUiUrl, namespace: config.TEMPORAL_NAMESPACE },
  });
  if (simulator) await seedDemoUser(services.db, botIdOf(simulator.botToken));
  printBanner({ infra, apiUrl: services.apiUrl, apiToken, simulator: Boolean(simulator) });
});
