import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { HistoryStep } from './schemas';
import { isoOfTimestamp } from './proto';

/**
 * A timeline from an execution's Temporal history: activities scheduled and finished, local activities,
 * the end. What the executions API shows of a generation, or of a chat that is not running. It
 * reads event types, activity names and failure messages, none of which the payload codec
 * encrypts (failure messages are not payloads), so it works the same with TEMPORAL_PAYLOAD_KEYS.
 */
export async function historyTimeline(client: Client, workflowId: string): Promise<HistoryStep[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const Type = temporal.api.enums.v1.EventType;
  const names = new Map<string, string>();
  const steps: HistoryStep[] = [];
  for (const event of history.events ?? []) {
    const at = isoOfTimestamp(event.eventTime) ?? '';
    const seq = Number(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      names.set(String(event.eventId), scheduled.activityType?.name ?? 'activity');
      steps.push({ seq, at, kind: 'activity-scheduled', detail: scheduled.activityType?.name ?? '' });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) steps.push({ seq, at, kind: 'activity-completed', detail: names.get(String(completed.scheduledEventId)) ?? '' });
    const failed = event.activityTaskFailedEventAttributes;
    if (failed)
      steps.push({
        seq,
        at,
        kind: 'activity-failed',
        detail: `${names.get(String(failed.scheduledEventId)) ?? ''}: ${failed.failure?.message ?? ''}`,
      });
    const timedOut = event.activityTaskTimedOutEventAttributes;
    if (timedOut) steps.push({ seq, at, kind: 'activity-timed-out', detail: names.get(String(timedOut.scheduledEventId)) ?? '' });
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      steps.push({ seq, at, kind: 'local-activity', detail: 'bookkeeping step' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) steps.push({ seq, at, kind: 'completed', detail: '' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED) steps.push({ seq, at, kind: 'cancelled', detail: '' });
    if (event.eventType === Type.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
      steps.push({ seq, at, kind: 'failed', detail: event.workflowExecutionFailedEventAttributes?.failure?.message ?? '' });
  }
  return steps;
}
