import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem, type Api } from '../api';
import { mergeSteps, type ChatStep } from '../flow/path-marks';
import { executionPath, type Execution } from './types';

export interface Followed {
  /** The latest answer of `GET /api/executions/:id` (null until there is one). */
  execution: Execution | null;
  /** A running chat's steps so far, oldest first, growing live. */
  steps: ChatStep[];
  /** `absent`: no such execution (yet: a chat starts with its first message). */
  state: 'loading' | 'absent' | 'live' | 'running' | 'closed';
  /** The last failure, while it lasts. */
  error: string | null;
  /** Something happened (a message was sent): look again now instead of after the pause. */
  poke(): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
/** A job that runs is looked at this often; it has no live stream. */
const POLL_MS = 2_000;
/** A closed execution may start again (a chat is started anew by its next message). */
const CLOSED_RECHECK_MS = 15_000;

/**
 * Follows one execution: its detail, and for a running chat its steps live from
 * `GET /api/executions/:id/stream` (server-sent events read with fetch, the token in the
 * Authorization header). A dropped stream is resumed with `Last-Event-ID` after a growing
 * pause, so no step is lost or shown twice; each step also refreshes the chat's state (its
 * current node and variables).
 */
export function useFollowedExecution(api: Api, workflowId: string | null): Followed {
  const [execution, setExecution] = useState<Execution | null>(null);
  const [steps, setSteps] = useState<ChatStep[]>([]);
  const [state, setState] = useState<Followed['state']>('loading');
  const [error, setError] = useState<string | null>(null);
  const wake = useRef<() => void>(() => {});

  useEffect(() => {
    setExecution(null);
    setSteps([]);
    setState('loading');
    setError(null);
    if (workflowId === null) return;
    const controller = new AbortController();
    const { signal } = controller;
    const path = executionPath(workflowId);
    let known: ChatStep[] = [];
    let retry = FIRST_RETRY_MS;

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake.current = () => {};
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake.current = done;
        signal.addEventListener('abort', done);
      });

    const take = (answer: Execution) => {
      if (answer.chat) {
        known = mergeSteps(known, answer.steps as ChatStep[]);
        setSteps(known);
      }
      setExecution(answer);
    };

    // Each step changes the chat's state: it is asked again, at most one question at a time.
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
        // The stream goes on; the next step asks again.
      } finally {
        refreshing = false;
      }
    };

    void (async () => {
      while (!signal.aborted) {
        let answer: Execution;
        try {
          answer = await api.get<Execution>(path, { signal });
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof ApiProblem && err.status === 404) {
            setState('absent');
            setError(null);
          } else setError((err as Error).message);
          await pause(retry);
          retry = Math.min(retry * 2, MAX_RETRY_MS);
          continue;
        }
        take(answer);
        setError(null);
        if (!answer.chat) {
          // A job, or a chat that is not running: nothing streams; look again later.
          const running = answer.status === 'running';
          setState(running ? 'running' : 'closed');
          await pause(running ? POLL_MS : CLOSED_RECHECK_MS);
          continue;
        }
        setState('live');
        const lastSeq = known.at(-1)?.seq ?? 0;
        try {
          await api.stream(
            `${path}/stream`,
            (event) => {
              if (event.event !== 'step') return;
              known = mergeSteps(known, [JSON.parse(event.data) as ChatStep]);
              setSteps(known);
              retry = FIRST_RETRY_MS;
              void refresh();
            },
            signal,
            { 'Last-Event-ID': String(lastSeq) },
          );
        } catch (err) {
          if (signal.aborted) return;
          setError(
            err instanceof ApiProblem && err.status === 429
              ? 'Too many live streams are open with this token; retrying.'
              : `The live stream broke (${(err as Error).message}); reconnecting.`,
          );
        }
        // The stream ended: the chat stopped running, or the connection dropped. Look again.
        await pause(retry);
        retry = Math.min(retry * 2, MAX_RETRY_MS);
      }
    })();
    return () => controller.abort();
  }, [api, workflowId]);

  const poke = useCallback(() => wake.current(), []);
  return { execution, steps, state, error, poke };
}
