import { eq } from 'drizzle-orm';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { generationSettings, newGenerationJob, UnknownKindError, type GenerationInput } from '../../generation/request';

/** What a flow's paid nodes need: the user's balance (action.credits) and a job to start (action.generation). */
export function createPaidGenerationActivities(deps: {
  db: Database;
  config: Pick<
    Config,
    | 'GENERATION_PRICES'
    | 'TEMPORAL_TASK_QUEUE'
    | 'GENERATION_HEARTBEAT_TIMEOUT_MS'
    | 'GENERATION_ATTEMPT_TIMEOUT_MS'
    | 'GENERATION_MAX_ATTEMPTS'
  >;
}) {
  const { db } = deps;
  return {
    async readBalance(userId: string): Promise<number> {
      const [user] = await db.select({ balance: users.balance }).from(users).where(eq(users.id, userId));
      return user?.balance ?? 0;
    },

    /**
     * The child workflow's id and input for an action.generation node; the price comes from
     * configuration. The job is built as the API builds one (newGenerationJob): the chat is its
     * `chat`, and it has no params.
     */
    async prepareGeneration(input: {
      botId: string;
      chatId: string;
      userId: string;
      kind: string;
      prompt: string;
      key: string;
    }): Promise<{ workflowId: string; input: GenerationInput; taskQueue: string } | { unknownKind: string }> {
      const settings = generationSettings(deps.config);
      let job;
      try {
        job = newGenerationJob(
          settings.prices,
          { userId: input.userId, kind: input.kind, prompt: input.prompt, chat: { botId: input.botId, chatId: input.chatId } },
          input.key,
        );
      } catch (err) {
        if (err instanceof UnknownKindError) return { unknownKind: input.kind };
        throw err;
      }
      return { workflowId: job.id, taskQueue: settings.taskQueue, input: { job, policy: settings.policy } };
    },
  };
}
