/**
 * One run of jobs as the generation benches drive it: every job POSTed with at most `concurrency`
 * requests in flight, completion seen in PostgreSQL (a count of terminal rows every 250 ms), not
 * by polling per job. Shared by bench/generations-throughput.ts, bench/generations-floor.ts and (the
 * users' shares) bench/generations-chaos.ts.
 */
import { epochNow } from './clock';
import type { BenchProcess } from './entrypoint';
import type { StackPorts } from './ports';
import { progress } from './report';
import { type ApiResponse, mapConcurrent, sleep, stackEnv } from './stack';

/** The stack the generation benches run: an instant fake provider, one `story` kind at `price`. */
export function jobStackEnv(dataDir: string, ports: StackPorts, apiToken: string, price: number): Record<string, string> {
  return stackEnv(dataDir, ports, apiToken, {
    LOG_LEVEL: 'warn',
    FAKE_PROVIDER_LATENCY_MS: '0',
    GENERATION_PRICES: JSON.stringify({ story: price }),
    SHUTDOWN_GRACE_MS: '5000',
  });
}

/** User `u`'s share of `jobs` spread over `users` users (the first `jobs % users` users get one more). */
export function shareOfJobs(jobs: number, users: number, u: number): number {
  return Math.floor(jobs / users) + (u < jobs % users ? 1 : 0);
}

/** Stops the `start` process and says how that went. */
export async function stopStack(proc: BenchProcess): Promise<void> {
  const stop = await proc.stop();
  progress(
    `stack stopped in ${(stop.stopMs / 1000).toFixed(1)} s (exit ${stop.signal ?? stop.exitCode}); leftovers killed: ${stop.leftovers.length}`,
  );
}

/** One POST as the client saw it. */
export interface Post {
  id?: string;
  /** Epoch ms (sub-ms precision) when the request was sent, comparable with PostgreSQL's now(). */
  sentAt: number;
  ms: number;
  status: number;
  error?: string;
}

export interface JobRun {
  posts: Post[];
  /** The POSTs answered 202 with an id. */
  accepted: Post[];
  wallMs: number;
  /** Terminal jobs when the run ended. */
  terminal: number;
  timedOut: boolean;
}

/**
 * POSTs `jobs` jobs through `send(i)` (202 with `{id}` counts as accepted) and waits until
 * `terminalCount()` reaches the number accepted, or `timeoutMs` passes.
 */
export async function runJobs(options: {
  jobs: number;
  concurrency: number;
  timeoutMs: number;
  send: (i: number) => Promise<ApiResponse>;
  terminalCount: () => Promise<number>;
  label?: string;
}): Promise<JobRun> {
  const { jobs, concurrency, send, terminalCount } = options;
  const wallStart = performance.now();
  const deadline = wallStart + options.timeoutMs;
  let postsDone = false;
  const postsPromise = mapConcurrent(
    Array.from({ length: jobs }, (_, i) => i),
    concurrency,
    async (i): Promise<Post> => {
      const sentAt = epochNow();
      if (performance.now() > deadline) return { sentAt, ms: 0, status: 0, error: 'not sent: the run timed out' };
      try {
        const response = await send(i);
        if (response.status !== 202) return { sentAt, ms: response.ms, status: response.status, error: JSON.stringify(response.body) };
        return { id: response.body.id as string, sentAt, ms: response.ms, status: response.status };
      } catch (err) {
        return { sentAt, ms: epochNow() - sentAt, status: 0, error: String(err) };
      }
    },
  ).finally(() => (postsDone = true));

  let terminal = 0;
  let lastReport = performance.now();
  // Done when every POST has answered and every accepted job is terminal; bounded by the timeout.
  for (;;) {
    terminal = await terminalCount();
    if (postsDone && terminal >= (await postsPromise).filter((p) => p.id).length) break;
    if (performance.now() > deadline) break;
    if (performance.now() - lastReport > 2_000) {
      progress(`${options.label ? `${options.label}: ` : ''}terminal ${terminal}/${jobs}`);
      lastReport = performance.now();
    }
    await sleep(250);
  }
  const wallMs = performance.now() - wallStart;
  const posts = await postsPromise;
  const accepted = posts.filter((p) => p.id);
  return { posts, accepted, wallMs, terminal, timedOut: terminal < accepted.length };
}
