/**
 * What the generation benches share: the environment of a stack on a fresh DATA_DIR and free
 * ports, readiness polling, a small API client, a bounded-concurrency runner and the database.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { createDatabase, type Database } from '../../src/db/client';
import type { BenchProcess } from './entrypoint';
import type { StackPorts } from './ports';

/** A random bearer token for the API under test (≥ 16 characters). */
export function randomApiToken(): string {
  return `bench-${crypto.randomBytes(16).toString('hex')}`;
}

/**
 * Variables for experiments: every `BENCH_STACK_<NAME>=value` in the bench's environment is
 * passed to the processes under test as `<NAME>=value`, over the bench's own settings (e.g.
 * BENCH_STACK_TEMPORAL_ADDRESS to use an external Temporal server).
 */
export function stackOverrides(): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BENCH_STACK_') && value !== undefined) overrides[name.slice('BENCH_STACK_'.length)] = value;
  }
  return overrides;
}

/**
 * The environment of a stack that keeps all its state under `dataDir` and listens on `ports`,
 * plus `extra`, plus any BENCH_STACK_* overrides.
 */
export function stackEnv(dataDir: string, ports: StackPorts, apiToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.temporalUi),
    POSTGRES_PORT: String(ports.postgres),
    API_TOKEN: apiToken,
    // The bench client is one token sending far more than an ordinary client would.
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    ...extra,
    ...stackOverrides(),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `GET <apiUrl>/readyz` every `intervalMs` until it answers 200, and returns performance.now()
 * of that answer. Fails when `proc` exits first or `timeoutMs` passes.
 */
export async function waitForReady(apiUrl: string, proc: BenchProcess, timeoutMs: number, intervalMs = 50): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (!proc.running) throw new Error(`${proc.label} exited before /readyz answered 200. Output:\n${proc.tail()}`);
    try {
      const response = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(3_000) });
      const body = await response.text();
      if (response.status === 200) return performance.now();
      last = `${response.status} ${body}`;
    } catch (err) {
      last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`${apiUrl}/readyz did not answer 200 within ${timeoutMs} ms (last: ${last}). Output:\n${proc.tail()}`);
}

/** Date.now() of the first `probe()` that resolves true, trying every 25 ms until `until()` says to give up (then undefined). */
export async function firstServing(probe: () => Promise<boolean>, until: () => boolean): Promise<number | undefined> {
  while (!until()) {
    if (await probe().catch(() => false)) return Date.now();
    await sleep(25);
  }
  return undefined;
}

/** Date.now() of the first moment a TCP connection to 127.0.0.1:`port` succeeds: when a server started listening. */
export function firstAccept(port: number, until: () => boolean): Promise<number | undefined> {
  return firstServing(() => accepts(port), until);
}

function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON (several shapes), or the raw text when it is not JSON. */
  body: any;
  /** Round-trip time, ms. */
  ms: number;
}

/** Authenticated JSON calls to the API. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the error message.
    }
    return { status: response.status, body: parsed, ms: performance.now() - started };
  }

  /** Creates user `id` and tops it up with `credits`; throws on anything but success. */
  async createUserWithCredits(id: string, credits: number): Promise<void> {
    const created = await this.request('POST', '/api/users', { id });
    if (created.status !== 201) throw new Error(`POST /api/users ${id}: ${created.status} ${JSON.stringify(created.body)}`);
    const topUp = await this.request(
      'POST',
      `/api/users/${encodeURIComponent(id)}/credits`,
      { amount: credits },
      { 'idempotency-key': `initial-${id}` },
    );
    if (topUp.status !== 201) throw new Error(`top-up of ${id}: ${topUp.status} ${JSON.stringify(topUp.body)}`);
  }
}

/** Runs `task(item, index)` over `items` with at most `concurrency` in flight; results in order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** A drizzle database (for checkLedger) with a small pool; close with `db.$client.end()`. */
export function openDatabase(url: string): Database {
  return createDatabase(url, { max: 3 });
}

/** The job statuses a job never leaves. */
export const terminalStatuses = ['completed', 'failed', 'cancelled', 'rejected'] as const;

/** Counts of generation jobs: all rows, terminal ones, and rows by status. */
export async function jobCounts(db: Database): Promise<{ rows: number; terminal: number; byStatus: Record<string, number> }> {
  const { rows } = await db.$client.query<{ status: string; count: string }>(
    'select status, count(*) from generation_jobs group by status',
  );
  const byStatus: Record<string, number> = {};
  for (const row of rows) byStatus[row.status] = Number(row.count);
  const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const terminal = terminalStatuses.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);
  return { rows: total, terminal, byStatus };
}
