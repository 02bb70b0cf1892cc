import { type google, temporal } from '@temporalio/proto';

/** A protobuf timestamp (an execution's start and close, a history event's time) as an ISO string, to the millisecond. */
export function isoOfTimestamp(timestamp: google.protobuf.ITimestamp | null | undefined): string | null {
  if (!timestamp) return null;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6)).toISOString();
}

/** `WORKFLOW_EXECUTION_STATUS_TIMED_OUT` → `timed_out`. */
export const statusName = (status: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined): string =>
  (temporal.api.enums.v1.WorkflowExecutionStatus[status ?? 0] ?? 'UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase();

/**
 * A search attribute of a visibility record (a JSON payload) as the string it holds. Temporal
 * indexes search attributes, so they never go through the payload codec: plain even when
 * TEMPORAL_PAYLOAD_KEYS encrypts everything else (they hold ids only, no user content).
 */
export function searchAttributeOf(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo, name: string): string | null {
  const payload = execution.searchAttributes?.indexedFields?.[name];
  return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as string) : null;
}
