import type { temporal } from '@temporalio/proto';
import { BotId, ChatId, JobKind, UserId } from '../temporal/search-attributes';
import type { ExecutionSummary } from './schemas';
import { isoOfTimestamp, searchAttributeOf, statusName } from './proto';

/** Execution statuses as the API names them → as Temporal's visibility queries name them. */
export const executionStatuses = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
} as const;
export type ExecutionStatus = keyof typeof executionStatuses;

/** The workflow types executions are listed by. */
export const workflowTypes = { chat: 'chatWorkflow', generation: 'generationWorkflow' } as const;

export interface ExecutionFilters {
  type?: keyof typeof workflowTypes;
  bot?: string;
  chat?: string;
  user?: string;
  kind?: string;
  status?: ExecutionStatus;
  /** ISO date-times. */
  startedAfter?: string;
  startedBefore?: string;
}

/**
 * A visibility query from filters. The values go into the query as they are: the caller must
 * restrict them to characters that cannot end a quoted string (the API's schema does).
 */
export function visibilityQuery(filters: ExecutionFilters): string {
  const clauses: string[] = [];
  if (filters.type) clauses.push(`WorkflowType = '${workflowTypes[filters.type]}'`);
  if (filters.bot) clauses.push(`${BotId.name} = '${filters.bot}'`);
  if (filters.chat) clauses.push(`${ChatId.name} = '${filters.chat}'`);
  if (filters.user) clauses.push(`${UserId.name} = '${filters.user}'`);
  if (filters.kind) clauses.push(`${JobKind.name} = '${filters.kind}'`);
  if (filters.status) clauses.push(`ExecutionStatus = '${executionStatuses[filters.status]}'`);
  if (filters.startedAfter) clauses.push(`StartTime >= '${filters.startedAfter}'`);
  if (filters.startedBefore) clauses.push(`StartTime <= '${filters.startedBefore}'`);
  return clauses.join(' AND ');
}

/** One execution of a visibility page, as the API lists it. */
export function executionSummary(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo): ExecutionSummary {
  const typeName = execution.type?.name ?? null;
  return {
    workflowId: execution.execution?.workflowId ?? '',
    runId: execution.execution?.runId ?? '',
    type: typeName === workflowTypes.chat ? 'chat' : typeName === workflowTypes.generation ? 'generation' : typeName,
    status: statusName(execution.status),
    startedAt: isoOfTimestamp(execution.startTime),
    closedAt: isoOfTimestamp(execution.closeTime),
    botId: searchAttributeOf(execution, BotId.name),
    chatId: searchAttributeOf(execution, ChatId.name),
    userId: searchAttributeOf(execution, UserId.name),
    kind: searchAttributeOf(execution, JobKind.name),
  };
}
