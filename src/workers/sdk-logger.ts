import { Runtime, type LogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger';

/**
 * Routes the Temporal SDK's own logs (worker state, workflow and activity loggers) into our JSON
 * log. The SDK logs the whole webpack report at INFO when it bundles workflows; below `debug`
 * we keep only its warnings. With `metricsAddress`, the SDK serves its own Prometheus metrics there.
 */
export function installSdkRuntime(logger: Logger, options: { metricsAddress?: string | undefined } = {}): void {
  const sdk = logger.child({ component: 'temporal-sdk' });
  const verbose = sdk.isLevelEnabled('debug');
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    if (!verbose && (level === 'TRACE' || level === 'DEBUG' || level === 'INFO')) return;
    sdk[levels[level]](meta ?? {}, message);
  };
  const adapter: SdkLogger = {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
  // The SDK's own metrics (its workflow cache: size, hits, evictions) come from its core, which
  // serves them itself when asked to.
  const telemetry = options.metricsAddress
    ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } }
    : {};
  Runtime.install({ logger: adapter, ...telemetry });
}
