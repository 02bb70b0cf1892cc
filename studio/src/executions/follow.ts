import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../api';
import type { ChatStep } from '../flow/path-marks';
import { followExecution, type Follower, type FollowState } from './follow-loop';
import type { Execution } from './types';

export interface Followed {
  /** The latest answer of `GET /api/executions/:id` (null until there is one). */
  execution: Execution | null;
  /** A running chat's steps so far, oldest first, growing live. */
  steps: ChatStep[];
  state: FollowState;
  /** The last failure, while it lasts. */
  error: string | null;
  /** Something happened (a message was sent): look again now instead of after the pause. */
  poke(): void;
}

/** An execution followed live while the component shows it (see followExecution). */
export function useFollowedExecution(api: Api, workflowId: string | null): Followed {
  const [execution, setExecution] = useState<Execution | null>(null);
  const [steps, setSteps] = useState<ChatStep[]>([]);
  const [state, setState] = useState<FollowState>('loading');
  const [error, setError] = useState<string | null>(null);
  const follower = useRef<Follower | null>(null);

  useEffect(() => {
    setExecution(null);
    setSteps([]);
    setState('loading');
    setError(null);
    if (workflowId === null) return;
    const following = followExecution(api, workflowId, (update) => {
      if (update.execution) setExecution(update.execution);
      if (update.steps) setSteps(update.steps);
      if (update.state) setState(update.state);
      if (update.error !== undefined) setError(update.error);
    });
    follower.current = following;
    return () => {
      following.stop();
      if (follower.current === following) follower.current = null;
    };
  }, [api, workflowId]);

  const poke = useCallback(() => follower.current?.poke(), []);
  return { execution, steps, state, error, poke };
}
