import { Context } from '@temporalio/activity';
import type { Database } from '../../db/client';
import { analyticsEvents } from '../../db/schema';
import type { Value } from '../../flow';
import { chatEvents, recordFlowSteps } from '../../metrics';
import type { ChatStep } from '../../workflows/chat/types';

/** What a chat tells about itself: metrics of its steps and the flow's analytics events. */
export function createObservationActivities(deps: { db: Database }) {
  const { db } = deps;
  return {
    /** Node executions and their durations, per bot and node type, from one input's steps (histories before the metrics sink). */
    async recordStepMetrics(botId: string, steps: ChatStep[]): Promise<void> {
      recordFlowSteps(botId, steps);
    },

    /** Counts something the workflow noticed (histories before the metrics sink). */
    async countChatMetric(name: 'duplicate_update' | 'flood_dropped'): Promise<void> {
      chatEvents.inc({ event: name });
    },

    /** One row per (workflow run, step): a retried activity records its event once. */
    async recordAnalytics(input: {
      botId: string;
      chatId: string;
      userId: string;
      event: string;
      properties: Record<string, Value>;
      step: string;
    }): Promise<void> {
      const { workflowExecution } = Context.current().info;
      await db
        .insert(analyticsEvents)
        .values({
          botId: input.botId,
          chatId: input.chatId,
          userId: input.userId,
          event: input.event,
          properties: input.properties,
          dedupeKey: `${workflowExecution?.runId ?? 'standalone'}:${input.step}`,
        })
        .onConflictDoNothing();
    },
  };
}
