import { ApiProblem, type Api } from '../api';
import { mergeSteps, type ChatStep } from '../flow/path-marks';
import { executionPath, type Execution } from './types';

/** Where following an execution stands. `absent`: no such execution (yet: a chat starts with its first message). */
export type FollowState = 'loading' | 'absent' | 'live' | 'running' | 'closed';

export interface FollowReport {
  /** The latest answer of `GET /api/executions/:id`. */
  execution?: Execution;
  /** A running chat's steps so far, oldest first, without doubles. */
  steps?: ChatStep[];
  state?: FollowState;
  /** The last failure while it lasts; null once things work again. */
  error?: string | null;
}

export interface Follower {
  /** Something happened (a message was sent): look again now instead of after the pause. */
  poke(): void;
  stop(): void;
  /** Settles once stopped. */
  done: Promise<void>;
}

export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 10_000;
/** A job that runs is looked at this often; it has no live stream. */
export const POLL_MS = 2_000;
/** A closed execution may start again (a chat is started anew by its next message). */
export const CLOSED_RECHECK_MS = 15_000;

/** A timer that can be cut short; tests pass one that does not wait. */
export type Timer = (ms: number, done: () => void) => () => void;
const realTimer: Timer = (ms, done) => {
  const timer = setTimeout(done, ms);
  return () => clearTimeout(timer);
};

/**
 * Follows one execution: its detail, and for a running chat its steps live from
 * `GET /api/executions/:id/stream` (server-sent events read with fetch: the token goes in the
 * Authorization header, never in the URL). A dropped stream is resumed with `Last-Event-ID` (the
 * last step seen) after a pause that grows while nothing comes, so no step is lost or shown
 * twice; each step also asks for the chat's state again (its current node and variables), one
 * question at a time. Not found, it is looked for again (a chat starts with its first message).
 */
export function followExecution(api: Api, workflowId: string, report: (update: FollowReport) => void, timer: Timer = realTimer): Follower {
  const controller = new AbortController();
  const { signal } = controller;
  const path = executionPath(workflowId);
  let known: ChatStep[] = [];
  let retry = FIRST_RETRY_MS;
  let wake = () => {};

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        cancel();
        wake = () => {};
        signal.removeEventListener('abort', done);
        resolve();
      };
      const cancel = timer(ms, done);
      wake = done;
      signal.addEventListener('abort', done);
      if (signal.aborted) done();
    });
  const backOff = async () => {
    await pause(retry);
    retry = Math.min(retry * 2, MAX_RETRY_MS);
  };

  const take = (execution: Execution) => {
    if (execution.chat) {
      known = mergeSteps(known, execution.steps as ChatStep[]);
      report({ execution, steps: known });
    } else report({ execution });
  };

  let refreshing = false;
  let again = false;
  const refresh = async () => {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      do {
        again = false;
        const answer = await api.get<Execution>(path, { signal });
        if (!signal.aborted) take(answer);
      } while (again && !signal.aborted);
    } catch {
      // The stream goes on; its next step asks again.
    } finally {
      refreshing = false;
    }
  };

  const loop = async () => {
    while (!signal.aborted) {
      let answer: Execution;
      try {
        answer = await api.get<Execution>(path, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiProblem && err.status === 404) report({ state: 'absent', error: null });
        else report({ error: (err as Error).message });
        await backOff();
        continue;
      }
      if (signal.aborted) return;
      take(answer);
      if (!answer.chat) {
        // A job, or a chat that is not running: nothing streams; look again later.
        const running = answer.status === 'running';
        report({ state: running ? 'running' : 'closed', error: null });
        await pause(running ? POLL_MS : CLOSED_RECHECK_MS);
        continue;
      }
      report({ state: 'live', error: null });
      const lastSeq = known.at(-1)?.seq ?? 0;
      try {
        await api.stream(
          `${path}/stream`,
          (event) => {
            if (event.event !== 'step' || signal.aborted) return;
            known = mergeSteps(known, [JSON.parse(event.data) as ChatStep]);
            report({ steps: known });
            retry = FIRST_RETRY_MS;
            void refresh();
          },
          signal,
          { 'Last-Event-ID': String(lastSeq) },
        );
      } catch (err) {
        if (signal.aborted) return;
        report({
          error:
            err instanceof ApiProblem && err.status === 429
              ? 'Too many live streams are open with this token; retrying.'
              : `The live stream broke (${(err as Error).message}); reconnecting.`,
        });
      }
      // The stream ended: the chat stopped running, or the connection dropped. Look again.
      await backOff();
    }
  };

  return {
    poke: () => wake(),
    stop: () => controller.abort(),
    done: loop(),
  };
}
