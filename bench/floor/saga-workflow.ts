import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { FloorActivities } from './saga-activities';

/**
 * The minimal paid-job saga the generation saga is measured against (bench/generations-floor.ts):
 * local-activity debit → one regular activity that "generates" instantly → local-activity
 * complete. No compensation, no query, no notification: what any such saga cannot do without.
 */
const books = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });
const provider = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export interface FloorJob {
  id: string;
  userId: string;
  prompt: string;
  cost: number;
}

export async function floorWorkflow(job: FloorJob): Promise<string> {
  if (!(await books.floorDebit(job))) return 'rejected';
  const text = await provider.floorGenerate(job.prompt);
  await books.floorComplete(job.id, text);
  return 'completed';
}
