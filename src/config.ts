import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the service reads, with its default for local use. This schema is
 * the single source of truth: the README table, docker-compose.yml and the config test are
 * checked against it.
 */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
/** `a, b,,c` → ['a', 'b', 'c']: a comma-separated list, blanks dropped. */
const commaList = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;
/** Unparsable JSON is passed on as the string, so the schema reports it with the variable's name. */
function parseJsonOrKeep(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),

  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'must be an IP address or host name')
    .default('127.0.0.1'),
  API_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  API_READONLY_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  API_MAX_STREAMS_PER_TOKEN: z.coerce.number().int().min(1).default(20),

  TEMPORAL_ADDRESS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bots'),
  TEMPORAL_CLI: optionalString,
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: z.preprocess(
    // Without a trailing slash, so that links are made by appending paths.
    (value) => (typeof value === 'string' ? emptyAsUndefined(value.trim().replace(/\/+$/, '')) : value),
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  // A secured cluster (Temporal Cloud, self-hosted with TLS): the names the Temporal CLI and envconfig read.
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0']).optional()),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_CERT_DATA: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_DATA: optionalString,
  TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: z.enum(['auto', 'on', 'off']).default('auto'),
  TEMPORAL_PAYLOAD_KEYS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(
        /^\s*[A-Za-z0-9._-]{1,64}=[A-Za-z0-9+/]{43}=\s*(,\s*[A-Za-z0-9._-]{1,64}=[A-Za-z0-9+/]{43}=\s*)*$/,
        'must be a comma-separated list of <key id>=<32 bytes in base64>, the current key first',
      )
      .optional(),
  ),
  TEMPORAL_CODEC_CORS_ORIGINS: z
    .preprocess(
      commaList,
      z.array(z.url({ protocol: /^https?$/, error: 'must be a comma-separated list of origins (https://host[:port])' })),
    )
    .default([]),
  TEMPORAL_CODEC_SESSION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(8 * 60),

  DATABASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional()),
  POSTGRES_PORT: port(5433),

  TELEGRAM_BOT_TOKEN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d+:[\w-]+$/, 'must look like <bot id>:<secret>')
      .optional(),
  ),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  TELEGRAM_MODE: z.enum(['polling', 'webhook']).default('polling'),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'Telegram allows 1-256 characters A-Z a-z 0-9 _ -')
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  TELEGRAM_BOT_FLOW: optionalString,
  SIMULATOR: z.enum(['auto', 'on', 'off']).default('auto'),
  SIMULATOR_SESSION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  BOT_TOKEN_KEY: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  TELEGRAM_BOT_RATE_PER_SECOND: z.coerce.number().positive().default(30),
  TELEGRAM_CHAT_BURST: z.coerce.number().int().min(1).default(3),
  TELEGRAM_CHAT_RATE_PER_SECOND: z.coerce.number().positive().default(1),
  TELEGRAM_GROUP_RATE_PER_MINUTE: z.coerce.number().positive().default(20),
  FLOOD_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  HTTP_NODE_ALLOWLIST: z
    .preprocess(commaList, z.array(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be a comma-separated list of host names or IP addresses')))
    .default([]),

  GENERATION_PROVIDER: z.enum(['fake', 'anthropic']).default('fake'),
  // Empty means unset, like the other optional variables (docker-compose.yml passes unset ones as '').
  GENERATION_PRICES: z
    .preprocess(
      emptyAsUndefined,
      z
        .preprocess(
          parseJsonOrKeep,
          z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), z.number().int().positive(), {
            error: 'must be a JSON object of kind → credits, e.g. {"story":50}',
          }),
        )
        .default({ story: 50 }),
    )
    .describe('JSON object: credits charged per generation kind'),
  GENERATION_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
  GENERATION_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
  GENERATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  FAKE_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).default(300),
  FAKE_PROVIDER_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  ANTHROPIC_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
  ANTHROPIC_MAX_TOKENS: z.coerce.number().int().min(1).max(64_000).default(1024),

  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  METRICS_DB_REFRESH_SECONDS: z.coerce.number().int().min(1).default(15),
  WORKER_METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  WORKER_DEPLOYMENT_NAME: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, _ and - (the build id is appended with a dot)')
      .optional(),
  ),
  WORKER_BUILD_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9._+-]{1,255}$/, 'letters, digits and . _ + -')
      .optional(),
  ),
  WORKER_MAX_CACHED_WORKFLOWS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(2).optional()),
  TEMPORAL_SDK_METRICS_ADDRESS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
      .optional(),
  ),

  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .preprocess(emptyAsUndefined, z.url().optional())
    .describe('OTLP/HTTP collector base URL; spans go to <url>/v1/traces. Unset: no tracing'),
  OTEL_SERVICE_NAME: z.string().min(1).default('temporal-telegram-bots'),
});

export type Config = z.infer<typeof configSchema>;

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether `npm start` runs the chat simulator. It plays Telegram users with the operator's
 * powers, so `auto` runs it only in local development: NODE_ENV=development with the API on a
 * loopback address. `on` is the explicit opt-in anywhere else; `off` never.
 */
export function simulatorEnabled(config: Pick<Config, 'SIMULATOR' | 'NODE_ENV' | 'API_HOST'>): boolean {
  if (config.SIMULATOR === 'on') return true;
  return config.SIMULATOR === 'auto' && config.NODE_ENV === 'development' && isLoopbackHost(config.API_HOST);
}

/** Cross-field rules, reported together with the per-variable ones. */
function crossFieldProblems(config: Config): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (config.GENERATION_PROVIDER === 'anthropic' && !config.ANTHROPIC_API_KEY) {
    problems.push({ variable: 'ANTHROPIC_API_KEY', message: 'required when GENERATION_PROVIDER=anthropic' });
  }
  problems.push(...temporalConnectionProblems(config));
  if ((config.WORKER_DEPLOYMENT_NAME === undefined) !== (config.WORKER_BUILD_ID === undefined)) {
    problems.push({
      variable: config.WORKER_DEPLOYMENT_NAME === undefined ? 'WORKER_DEPLOYMENT_NAME' : 'WORKER_BUILD_ID',
      message: 'worker versioning needs both WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID (or neither)',
    });
  }
  return problems;
}

const temporalTlsVariables = [
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
] as const;

/**
 * Combinations of the Temporal connection variables that cannot work: TLS settings for the
 * embedded dev server (which has no TLS), half a client certificate pair, a file and inline PEM
 * for the same thing, TLS settings with TLS turned off. Files are read (and their absence
 * reported) when the connection options are built.
 */
function temporalConnectionProblems(config: Config): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (!config.TEMPORAL_ADDRESS) {
    for (const variable of temporalTlsVariables.filter((name) => config[name] !== undefined))
      problems.push({
        variable,
        message: 'applies to an external Temporal only: set TEMPORAL_ADDRESS (the embedded dev server has no TLS)',
      });
    return problems;
  }
  for (const what of ['SERVER_CA_CERT', 'CLIENT_CERT', 'CLIENT_KEY'] as const) {
    if (config[`TEMPORAL_TLS_${what}_PATH`] !== undefined && config[`TEMPORAL_TLS_${what}_DATA`] !== undefined)
      problems.push({
        variable: `TEMPORAL_TLS_${what}_DATA`,
        message: `set either TEMPORAL_TLS_${what}_PATH or TEMPORAL_TLS_${what}_DATA, not both`,
      });
  }
  const hasCert = config.TEMPORAL_TLS_CLIENT_CERT_PATH !== undefined || config.TEMPORAL_TLS_CLIENT_CERT_DATA !== undefined;
  const hasKey = config.TEMPORAL_TLS_CLIENT_KEY_PATH !== undefined || config.TEMPORAL_TLS_CLIENT_KEY_DATA !== undefined;
  if (hasCert && !hasKey)
    problems.push({
      variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
      message: 'a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA)',
    });
  if (hasKey && !hasCert)
    problems.push({
      variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
      message: 'a client key needs its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA)',
    });
  if (config.TEMPORAL_TLS === 'false' || config.TEMPORAL_TLS === '0') {
    const tlsSettings = temporalTlsVariables.filter((name) => name.startsWith('TEMPORAL_TLS_') && config[name] !== undefined);
    if (tlsSettings.length > 0)
      problems.push({
        variable: 'TEMPORAL_TLS',
        message: `is off, but ${tlsSettings.join(', ')} ${tlsSettings.length > 1 ? 'are' : 'is'} set`,
      });
  }
  return problems;
}

/** Thrown when the environment is invalid; the message lists every bad variable and why. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of all variables the schema knows (for docs and the compose-file check). */
export const configVariables = Object.keys(configSchema.shape) as (keyof Config)[];

/**
 * Reads configuration from `env` (process.env by default), after loading an optional `.env`
 * file from the working directory. Variables already set win over the file.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = path.resolve('.env')): Config {
  const merged = { ...readEnvFile(envFile), ...env };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(root)'),
        message: issue.message,
      })),
    );
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

function readEnvFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const values: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    values[key] = raw.replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}
