import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold secrets anywhere in a log record. pino replaces them before the line is
 * written, so a token passed by mistake in a context object never reaches the log.
 */
const redactedPaths = [
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'botToken',
  '*.botToken',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'databaseUrl',
  '*.databaseUrl',
];

/** Telegram bot tokens (`123456:ABC…`) embedded in free text, e.g. in Bot API URLs. */
const botTokenPattern = /\b\d{5,}:[A-Za-z0-9_-]{30,}\b/g;
/** Passwords inside connection URLs (`postgres://user:secret@host`). */
const urlPasswordPattern = /(\/\/[^:/@\s]+:)[^@\s]+@/g;

export function scrubSecrets(text: string): string {
  return text.replace(botTokenPattern, '[REDACTED]').replace(urlPasswordPattern, '$1[REDACTED]@');
}

/** A JSON logger; `destination` (default: stdout) lets tests read what would be logged. */
export function createLogger(level: string, name = 'bots', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: redactedPaths, censor: '[REDACTED]' },
    hooks: {
      // Free-text messages can carry secrets too (an error message quoting a URL, say).
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
