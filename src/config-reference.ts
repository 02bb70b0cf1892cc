import type { Config } from './config';

/**
 * What each configuration variable means, as the README's table and `.env.example` say it
 * (`npm run config:docs` writes both from here; a test keeps them in sync). Typed over the
 * schema's keys, so a variable added to the schema without a line here does not compile.
 * `default` is Markdown as the table shows it.
 */
export const configReference: Record<keyof Config, { default: string; meaning: string }> = {
  NODE_ENV: { default: '`development`', meaning: '`production` requires `API_TOKEN`' },
  LOG_LEVEL: {
    default: '`info`',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`; logs are JSON lines (pino), secrets redacted',
  },
  DATA_DIR: { default: '`.data`', meaning: 'where embedded servers and the generated API token keep their state' },
  PORT: { default: '`3000`', meaning: 'HTTP port of the API (`0` picks a free one)' },
  API_HOST: { default: '`127.0.0.1`', meaning: 'address the API listens on; `0.0.0.0` (or `::`) for every interface, as in containers' },
  API_TOKEN: {
    default: 'generated',
    meaning:
      'operator bearer token for `/api/*` (≥ 16 characters); when unset outside production a random one is generated, kept in `DATA_DIR/api-token` and printed',
  },
  API_READONLY_TOKEN: { default: 'unset', meaning: 'a second token that may only read (`GET`); anything else answers 403' },
  API_RATE_LIMIT_PER_MINUTE: {
    default: '`6000`',
    meaning: "requests per minute per token (burst of a minute's worth); over it: 429 with `Retry-After`",
  },
  API_AUTH_FAILURES_PER_MINUTE: {
    default: '`30`',
    meaning:
      "wrong bearer tokens a client (IP address, IPv6 /64) may present per minute (burst of a minute's worth); over it every token from that client gets 429 with `Retry-After` until the budget refills",
  },
  API_MAX_STREAMS_PER_TOKEN: {
    default: '`20`',
    meaning: 'live execution streams (`GET /api/executions/:id/stream`) one token may hold open at once; past it: 429 with `Retry-After`',
  },
  TEMPORAL_ADDRESS: { default: 'unset', meaning: '`host:port` of a Temporal server; when unset, the dev server is started' },
  TEMPORAL_NAMESPACE: { default: '`default`', meaning: 'Temporal namespace' },
  TEMPORAL_TASK_QUEUE: { default: '`bots`', meaning: 'task queue of the workflows and activities' },
  TEMPORAL_CLI: {
    default: 'unset',
    meaning: 'path of a `temporal` binary to use for the embedded server (else `.tools/`, else `temporal` on PATH)',
  },
  TEMPORAL_PORT: { default: '`7233`', meaning: 'gRPC port of the embedded Temporal server' },
  TEMPORAL_UI_PORT: { default: '`8233`', meaning: 'port of the embedded Temporal Web UI' },
  TEMPORAL_UI_URL: {
    default: 'unset',
    meaning:
      "base URL of the Temporal Web UI for links from the studio (e.g. `https://temporal.example.com`); defaults to the embedded dev server's UI when it runs",
  },
  TEMPORAL_API_KEY: {
    default: 'unset',
    meaning: 'API key for Temporal Cloud (sent as `Authorization: Bearer`); turns TLS on unless `TEMPORAL_TLS=false`',
  },
  TEMPORAL_TLS: {
    default: 'unset',
    meaning:
      '`true`/`1`: connect to `TEMPORAL_ADDRESS` over TLS (the system CAs verify the server unless a CA is given); `false`/`0`: plain. Unset: TLS when an API key or any `TEMPORAL_TLS_*` is set',
  },
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: { default: 'unset', meaning: "PEM file of the CA that signed the Temporal server's certificate" },
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: { default: 'unset', meaning: 'the same CA as PEM text (instead of the file)' },
  TEMPORAL_TLS_SERVER_NAME: {
    default: 'unset',
    meaning: "name to verify the server's certificate against (and send as SNI) when it differs from the address's host",
  },
  TEMPORAL_TLS_CLIENT_CERT_PATH: {
    default: 'unset',
    meaning: 'PEM file of the client certificate for mTLS (Temporal Cloud, mTLS clusters)',
  },
  TEMPORAL_TLS_CLIENT_CERT_DATA: { default: 'unset', meaning: 'the client certificate as PEM text (instead of the file)' },
  TEMPORAL_TLS_CLIENT_KEY_PATH: { default: 'unset', meaning: "PEM file of the client certificate's private key" },
  TEMPORAL_TLS_CLIENT_KEY_DATA: { default: 'unset', meaning: 'the private key as PEM text (instead of the file)' },
  TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: {
    default: '`auto`',
    meaning:
      "`on`: register the search attributes `BotId`, `ChatId`, `UserId`, `JobKind` (Keyword) in the namespace at start, through the operator API; `off`: don't (Temporal Cloud: create them with `tcld`, see Temporal Cloud); `auto`: off when `TEMPORAL_API_KEY` is set or `TEMPORAL_ADDRESS` is a `*.tmprl.cloud` address, else on",
  },
  TEMPORAL_PAYLOAD_KEYS: {
    default: 'unset',
    meaning:
      'encrypt what Temporal stores (workflow and activity inputs and results, signals, queries: messages, variables, prompts) with AES-256-GCM: `<key id>=<32 random bytes, base64>`, comma-separated; the first key encrypts, every listed key decrypts (rotation: prepend a new key, drop the old one once no history needs it). Unset: payloads are stored as plain JSON',
  },
  TEMPORAL_CODEC_CORS_ORIGINS: {
    default: 'unset',
    meaning:
      'origins of Temporal Web UIs allowed to call the codec endpoint `/codec/decode` from the browser (e.g. `https://cloud.temporal.io`), comma-separated; the Web UI `npm start` runs is always allowed',
  },
  TEMPORAL_CODEC_SESSION_MINUTES: {
    default: '`480`',
    meaning:
      'lifetime of a codec session (the cookie the sign-in page at `/codec/session` gives a browser, so the Temporal Web UI may decode)',
  },
  DATABASE_URL: { default: 'unset', meaning: '`postgres://` URL; when unset, the embedded PostgreSQL is started' },
  POSTGRES_PORT: { default: '`5433`', meaning: 'port of the embedded PostgreSQL (loopback only)' },
  TELEGRAM_BOT_TOKEN: { default: 'unset', meaning: 'token of a bot to run at start' },
  TELEGRAM_API_ROOT: { default: '`https://api.telegram.org`', meaning: 'Bot API root (a local Bot API server, or the emulator in tests)' },
  TELEGRAM_MODE: { default: '`polling`', meaning: '`polling` or `webhook`' },
  TELEGRAM_WEBHOOK_SECRET: { default: 'unset', meaning: 'secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`' },
  PUBLIC_URL: { default: 'unset', meaning: 'public base URL for webhook registration' },
  TELEGRAM_BOT_FLOW: {
    default: 'unset',
    meaning:
      'flow JSON file published for the bootstrapped bot at start (when it differs from the active version); default: the example loyalty flow',
  },
  SIMULATOR: {
    default: '`auto`',
    meaning:
      '`auto`: `npm start` runs the chat simulator (with a demo bot when `TELEGRAM_BOT_TOKEN` is unset) only in local development – `NODE_ENV=development` and `API_HOST` a loopback address; `on`: also elsewhere (explicit opt-in); `off`: never',
  },
  SIMULATOR_SESSION_MINUTES: {
    default: '`60`',
    meaning: 'lifetime of a simulator page session (the cookie the page gets for the API token)',
  },
  BOT_TOKEN_KEY: {
    default: 'generated',
    meaning:
      'key bot tokens are encrypted with at rest (≥ 16 characters); generated into `DATA_DIR/bot-token-key` outside production, required in production',
  },
  TELEGRAM_BOT_RATE_PER_SECOND: {
    default: '`30`',
    meaning: 'sends per second per bot, shared by all worker processes (through PostgreSQL)',
  },
  TELEGRAM_CHAT_BURST: { default: '`3`', meaning: 'messages a chat (private or group) may get at once before pacing starts' },
  TELEGRAM_CHAT_RATE_PER_SECOND: { default: '`1`', meaning: 'sustained sends per second to one private chat' },
  TELEGRAM_GROUP_RATE_PER_MINUTE: { default: '`20`', meaning: 'sustained sends per minute to one group' },
  FLOOD_LIMIT_PER_MINUTE: { default: '`100`', meaning: 'updates a chat may send per minute; the excess gets one notice and is dropped' },
  HTTP_NODE_ALLOWLIST: {
    default: 'empty',
    meaning:
      'comma-separated host names or IP addresses that flow HTTP nodes may reach although they are not global unicast (loopback, private, link-local, metadata, …)',
  },
  GENERATION_PROVIDER: { default: '`fake`', meaning: '`fake` (deterministic, local) or `anthropic`' },
  GENERATION_PRICES: {
    default: '`{"story":50}`',
    meaning: 'JSON: credits charged per generation kind (unknown kinds are refused with 400)',
  },
  GENERATION_HEARTBEAT_TIMEOUT_MS: {
    default: '`30000`',
    meaning: 'a generation attempt that stops heartbeating this long is replaced by another',
  },
  GENERATION_ATTEMPT_TIMEOUT_MS: { default: '`300000`', meaning: 'upper bound of one generation attempt' },
  GENERATION_MAX_ATTEMPTS: { default: '`3`', meaning: 'attempts before a job fails and is refunded (permanent refusals are not retried)' },
  FAKE_PROVIDER_LATENCY_MS: {
    default: '`300`',
    meaning: 'latency of the fake provider; a prompt with `[fail]` is refused, with `[hang]` stops heartbeating',
  },
  FAKE_PROVIDER_FAILURE_RATE: { default: '`0`', meaning: 'probability (0–1) of a transient fake-provider failure per attempt' },
  ANTHROPIC_API_KEY: { default: 'unset', meaning: 'required with `GENERATION_PROVIDER=anthropic`' },
  ANTHROPIC_BASE_URL: { default: '`https://api.anthropic.com`', meaning: 'Messages API root' },
  ANTHROPIC_MODEL: { default: '`claude-sonnet-4-5`', meaning: 'model' },
  ANTHROPIC_MAX_TOKENS: { default: '`1024`', meaning: '`max_tokens` per request' },
  SHUTDOWN_GRACE_MS: { default: '`10000`', meaning: 'how long in-flight activities may run on after a shutdown signal' },
  METRICS_TOKEN: {
    default: 'unset',
    meaning:
      "bearer token a Prometheus scraper may use for `/metrics` (≥ 16 characters); the API tokens work too, anonymous scrapes get 401. Workers' `/metrics` on `WORKER_METRICS_PORT` need it when set",
  },
  METRICS_DB_REFRESH_SECONDS: {
    default: '`15`',
    meaning: 'the database gauges of `/metrics` are re-read at most this often (one read at a time, whatever the scrape rate)',
  },
  WORKER_METRICS_PORT: {
    default: 'unset',
    meaning: "`npm run worker` only: serve that worker's `/metrics` and `/healthz` on this port (`0` picks a free one)",
  },
  WORKER_DEPLOYMENT_NAME: {
    default: 'unset',
    meaning:
      'Worker Deployment this worker belongs to; with `WORKER_BUILD_ID` it turns on worker versioning (README, Deploying a new version). Unset: an unversioned worker',
  },
  WORKER_BUILD_ID: {
    default: 'unset',
    meaning:
      'the build of this worker within `WORKER_DEPLOYMENT_NAME`, e.g. the image tag or git sha; every build that changes workflow code needs a new one',
  },
  WORKER_MAX_CACHED_WORKFLOWS: {
    default: 'from memory',
    meaning:
      'workflows (chats, jobs) a worker keeps in memory; an evicted chat replays its (short) history on its next update. Unset: half the V8 heap limit ÷ 500 KB (what a cached chat holds), between 1,000 and 20,000 – about 4,200 with the default Node heap on a 24 GB machine',
  },
  TEMPORAL_SDK_METRICS_ADDRESS: {
    default: 'unset',
    meaning:
      "host:port where the Temporal SDK's own Prometheus metrics are served (workflow cache size, hits, evictions, task latencies): the SDK runs that listener itself",
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    default: 'unset',
    meaning:
      'OpenTelemetry collector (OTLP over HTTP, JSON); spans go to `<url>/v1/traces`. Unset: no tracing, no interceptors. The standard `OTEL_BSP_*` batch settings apply',
  },
  OTEL_SERVICE_NAME: { default: '`temporal-telegram-bots`', meaning: '`service.name` of the exported spans' },
};
