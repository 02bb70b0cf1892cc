import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { ChatStep } from '../../../src/workflows/chat/types';

/**
 * A workflow interceptor for replays of histories recorded before the chat metrics sink: the chat
 * workflow then handed each input's steps to the `recordStepMetrics` local activity, so its
 * arguments say which flow nodes ran (newer histories: see replayedSteps). Replaying a
 * recorded history with this module bundled in reports them to the `executedNodes` sink (which
 * must be registered with `callDuringReplay`: a replay is nothing but replaying).
 */
export interface ExecutedNodesSinks extends Sinks {
  executedNodes: { steps(steps: ChatStep[]): void };
}

const { executedNodes } = proxySinks<ExecutedNodesSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleLocalActivity(input, next) {
        if (input.activityType === 'recordStepMetrics') executedNodes.steps(input.args[1] as ChatStep[]);
        return next(input);
      },
    },
  ],
});
