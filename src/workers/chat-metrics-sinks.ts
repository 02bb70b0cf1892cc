import type { InjectedSinks } from '@temporalio/worker';
import { chatEvents, recordFlowSteps } from '../metrics';
import type { ChatMetricsSinks } from '../workflows/chat/metrics-sink';

/** The worker's end of the chat workflows' metrics sink (not called on replay: nothing counts twice). */
export const chatMetricsSinks: InjectedSinks<ChatMetricsSinks> = {
  chatMetrics: {
    steps: { fn: (_info, botId, steps) => recordFlowSteps(botId, steps) },
    count: { fn: (_info, name) => chatEvents.inc({ event: name }) },
  },
};
