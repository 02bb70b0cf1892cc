/**
 * `npm start`: the whole system in one process tree on embedded defaults – Temporal dev server
 * and PostgreSQL (unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere), the API and a worker.
 * In local development it runs the chat simulator too: without TELEGRAM_BOT_TOKEN it stands in for
 * Telegram with a demo bot; any registered bot can be switched to it as well. The studio's browser
 * bundle is built on the way when it is missing or stale.
 */
import { isLoopbackHost, simulatorEnabled, type Config } from '../config';
import { httpUrl } from '../http/url-host';
import { startInfra } from '../runtime/infra';
import { runProcess } from '../runtime/lifecycle';
import { resolveApiToken } from '../runtime/local-secrets';
import { startServices } from '../app/services';
import { startSimulator } from '../simulator/simulator';
import { studioBundle } from '../studio/bundle';
import { installSdkRuntime } from '../workers/sdk-logger';
import { printBanner } from './banner';

runProcess('bots', async ({ config: configured, logger, lifecycle }) => {
  installSdkRuntime(logger, { metricsAddress: configured.TEMPORAL_SDK_METRICS_ADDRESS });
  // Built (when missing or stale) while the embedded servers start; a failure leaves the rest running.
  const studio = studioBundle((message, fields) => logger.info(fields, message)).then(
    () => true,
    (err: unknown) => {
      logger.error({ err }, 'the studio bundle could not be built: /studio will not load');
      return false;
    },
  );
  const apiToken = resolveApiToken(configured, logger);
  const codecEndpoint = uiCodecEndpoint(configured);
  const infra = await startInfra(configured, logger, { uiCodecEndpoint: codecEndpoint });
  lifecycle.onStop('embedded servers', () => infra.stop());

  const config = configured;
  const simulator = simulatorEnabled(config) ? await startSimulator() : undefined;
  if (simulator && !isLoopbackHost(config.API_HOST))
    logger.warn({ host: config.API_HOST }, 'SIMULATOR=on: the chat simulator is served on a non-loopback address');
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
  printBanner({
    infra,
    studio: await studio,
    apiUrl: services.apiUrl,
    apiToken,
    simulator: simulator ? (config.TELEGRAM_BOT_TOKEN ? 'bots' : 'demo') : undefined,
    uiDecodes: codecEndpoint !== undefined,
  });
});

/**
 * The codec endpoint the embedded Web UI decodes payloads with: this process's API, when payloads
 * are encrypted and the API's port is known before it listens (not PORT=0).
 */
function uiCodecEndpoint(config: Config): string | undefined {
  if (!config.TEMPORAL_PAYLOAD_KEYS || config.PORT === 0) return undefined;
  return `${httpUrl(config.API_HOST, config.PORT)}/codec`;
}
