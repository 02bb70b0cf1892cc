/**
 * One workflow history as a timeline, for a bench to show where a slow update's time went: every
 * event with its offset from a given moment, local activities named.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

export async function historyTimeline(client: Client, workflowId: string, fromMs: number, limit = 40): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).slice(0, limit).map((event) => {
    const at = tsToMs(event.eventTime) - fromMs;
    const type = Object.keys(event)
      .find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k])
      ?.replace('EventAttributes', '');
    const marker = event.markerRecordedEventAttributes;
    let detail = '';
    if (marker?.markerName === 'core_local_activity') {
      const data = marker.details?.data?.payloads?.[0]?.data;
      detail = data ? String((JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type) : '';
    } else if (marker) detail = marker.markerName ?? '';
    const signal = event.workflowExecutionSignaledEventAttributes?.signalName ?? '';
    return `${at.toFixed(1).padStart(9)} ms  ${type} ${detail}${signal}`;
  });
}
