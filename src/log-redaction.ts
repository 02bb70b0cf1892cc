import pino from 'pino';

/**
 * What a log line must never carry, wherever in the record it sits: values under secret-looking
 * keys, bot tokens and passwords inside free text (messages, error messages and stacks, URLs),
 * bearer credentials. Used by the logger on every record, its bindings and errors.
 */

/** Keys whose values are secrets, compared lower-case without separators (`X-Api-Key` → `xapikey`). */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'databaseurl',
  'privatekey',
]);
const SECRET_KEY_ENDINGS = ['token', 'secret', 'password', 'apikey', 'cookie'];

export function isSecretKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEYS.has(normal) || SECRET_KEY_ENDINGS.some((ending) => normal.endsWith(ending));
}

const REDACTED = '[REDACTED]';
const textPatterns: [RegExp, string][] = [
  // Bot API paths: /bot<token>/method, however short the token's secret part.
  [/\/bot\d+:[^/\s?#]+/g, `/bot${REDACTED}`],
  // Telegram bot tokens anywhere (`123456:ABC…`).
  [/\b\d+:[\w-]{30,}/g, REDACTED],
  // Passwords inside URLs (`postgres://user:secret@host`).
  [/(\/\/[^:/@\s]+:)[^@\s]+@/g, `$1${REDACTED}@`],
  // Credentials after an auth scheme (a quoted header, an error message). Case-sensitive and at
  // least 8 characters, so that prose ("bearer token", "bot ready") is left alone.
  [/\b(Bearer|Basic) [\w.~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // Secret-looking query parameters (`?token=…&api_key=…`).
  [/([?&](?:[\w-]*token|[\w-]*secret|api[_-]?key|key|password|sig|signature)=)[^&#\s"']+/gi, `$1${REDACTED}`],
];

export function scrubSecrets(text: string): string {
  return textPatterns.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Deeper than this, a record is cut rather than walked (log records are small; cycles end here too). */
const MAX_DEPTH = 32;

// Errors of any realm (the workflow sandbox has its own Error); not plain objects that look alike.
const isError = (value: unknown): value is Error => value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';

/** A copy of `value` with every secret replaced; Errors become pino's plain error shape first. */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (isError(value)) return scrubValue(pino.stdSerializers.err(value), depth, seen);
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1, seen));
  if (value instanceof Map) return scrubValue(Object.fromEntries(value), depth, seen);
  if (value instanceof URL) return scrubSecrets(value.toString());
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    out[key] = isSecretKey(key) && item !== null && item !== undefined ? REDACTED : scrubValue(item, depth + 1, seen);
  return out;
}

/** pino's error serializer, scrubbed: message, stack, cause and any property an error carries. */
export function scrubbedErrorSerializer(err: unknown): unknown {
  return scrubValue(isError(err) ? pino.stdSerializers.err(err) : err);
}
