import pino, { type Logger } from 'pino';
import { scrubbedErrorSerializer, scrubSecrets, scrubValue } from './log-redaction';

export type { Logger };

export { scrubSecrets } from './log-redaction';

/** A JSON logger; `destination` (default: stdout) lets tests read what would be logged. */
export function createLogger(level: string, name = 'bots', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    // Every record, binding and error is walked to any depth (src/log-redaction.ts): secrets sit
    // in error messages, URLs and nested objects as often as under a top-level `token` key.
    serializers: { err: scrubbedErrorSerializer },
    hooks: {
      // Free-text messages can carry secrets too (an error message quoting a URL, say). Without
      // a message pino would take the error's own, unscrubbed: it is given explicitly instead.
      logMethod(args, method) {
        const scrubbed: unknown[] = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
        const [first] = scrubbed;
        const error = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
        if (scrubbed.length === 1 && error instanceof Error) scrubbed.push(scrubSecrets(error.message));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubValue(object) as Record<string, unknown>,
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino applies no formatter to a child's bindings (requestId, botId… – or a URL): they are
  // scrubbed on the way in. Children inherit this `child`, so grandchildren are covered too.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrubValue(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
