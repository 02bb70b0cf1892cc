import type { ChatStep } from '../flow/path-marks';

/** What the executions API answers (src/executions/schemas.ts is the source of truth; /openapi.json documents it). */

export interface ExecutionSummary {
  workflowId: string;
  runId: string;
  type: string | null;
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  botId: string | null;
  chatId: string | null;
  userId: string | null;
  kind: string | null;
}

export interface ChatSnapshot {
  botId: string;
  chatId: string;
  status: 'idle' | 'waiting' | 'delayed' | 'blocked';
  flowVersionId: string | null;
  currentNode: string | null;
  waitingUntil: number | null;
  variables: { run: Record<string, unknown>; chat: Record<string, unknown> };
  queued: number;
}

/** A step of Temporal's history (generations, and chats that no longer run). */
export interface HistoryStep {
  seq: number;
  at: string;
  kind: string;
  detail: string;
}

export interface StoredJob {
  id: string;
  userId: string;
  kind: string;
  prompt: string;
  params: unknown;
  cost: number;
  status: string;
  result: unknown;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface Execution extends ExecutionSummary {
  type: string;
  startedAt: string;
  temporalUi: string;
  chat?: ChatSnapshot;
  job?: StoredJob | null;
  steps: ChatStep[] | HistoryStep[];
}

export const executionPath = (workflowId: string) => `/api/executions/${encodeURIComponent(workflowId)}`;

/** The execution in the Temporal Web UI (which opens its latest run: a chat continues as new). */
export function temporalUiHref(temporalUi: { url: string; namespace: string } | null, workflowId: string): string | null {
  if (!temporalUi) return null;
  return `${temporalUi.url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
