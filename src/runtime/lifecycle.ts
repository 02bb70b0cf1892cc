import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { ManagedProcess } from './managed-process';

/**
 * Start-up and shutdown of one process. Components register a stop step as they start; the first
 * SIGINT/SIGTERM runs the steps in reverse order (so HTTP stops taking work first and embedded
 * servers stop last); a second signal exits at once, killing embedded servers on the way out.
 */
export class Lifecycle {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  onStop(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  shutdown(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info({ reason }, 'shutting down');
      for (const step of [...this.steps].reverse()) {
        try {
          await step.stop();
          this.logger.debug({ step: step.name }, 'stopped');
        } catch (err) {
          this.logger.error({ err, step: step.name }, 'error while stopping');
        }
      }
      this.logger.info('stopped');
    })();
    return this.stopping;
  }
}

/**
 * Runs `main` as the process's body: reads configuration (exiting with every bad variable listed
 * when it is invalid), wires signals to a graceful shutdown and exits when that is done.
 */
export function runProcess(name: string, main: (ctx: { config: Config; logger: Logger; lifecycle: Lifecycle }) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, name);
  const lifecycle = new Lifecycle(logger);
  process.on('exit', () => ManagedProcess.killAll());

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      ManagedProcess.killAll();
      process.exit(130);
    }
    void lifecycle.shutdown(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  main({ config, logger, lifecycle }).catch(async (err: unknown) => {
    logger.fatal({ err }, `${name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await lifecycle.shutdown('start-up failure');
    process.exit(1);
  });
}
