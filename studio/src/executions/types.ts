import type { z } from 'zod';
import type { executionSchema, storedJobSchema } from '../../../src/executions/schemas';

// What the executions API answers: types of its own zod schemas (src/executions/schemas.ts, also
// /openapi.json's), and of the chat workflow it reports on. Type-only: nothing of it is bundled.
export type { ExecutionSummary, HistoryStep } from '../../../src/executions/schemas';
export type { ChatSnapshot, ChatStep } from '../../../src/workflows/chat/types';
export type StoredJob = z.infer<typeof storedJobSchema>;
export type Execution = z.infer<typeof executionSchema>;

export const executionPath = (workflowId: string) => `/api/executions/${encodeURIComponent(workflowId)}`;

/** The execution in the Temporal Web UI (which opens its latest run: a chat continues as new). */
export function temporalUiHref(temporalUi: { url: string; namespace: string } | null, workflowId: string): string | null {
  if (!temporalUi) return null;
  return `${temporalUi.url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
