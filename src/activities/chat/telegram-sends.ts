import { CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from '../../logger';
import { callbackAnswerLatency, replyLatency } from '../../metrics';
import type { AttemptBudget, TelegramGateway } from '../../telegram/gateway';
import type { TelegramCall } from '../../telegram/outbound';
import { chatOfWorkflowId } from '../../temporal/workflow-ids';

/** A chat's Bot API calls: replies, edits, callback answers. */
export function createTelegramSendActivities(deps: { logger: Logger; telegram: TelegramGateway }) {
  const { logger, telegram } = deps;

  /** One Bot API call; `receivedAt` (of the update being answered) feeds the latency metrics. */
  // `_isGroup` is kept for recorded histories' arguments; the pace follows the target chat's id.
  async function sendTelegram(
    botId: string,
    call: TelegramCall,
    _isGroup: boolean,
    receivedAt: number | null,
  ): Promise<{ messageId?: number }> {
    const context = Context.current();
    // A callback answer carries no chat id; the chat workflow calling this is the chat.
    const chatId = call.method === 'answerCallbackQuery' ? chatOfWorkflowId(context.info.workflowExecution?.workflowId ?? '') : undefined;
    const result = await telegram.call(botId, call, attemptBudget(context), chatId);
    if (receivedAt !== null) {
      const seconds = Math.max(0, Date.now() - receivedAt) / 1000;
      if (call.method === 'answerCallbackQuery') callbackAnswerLatency.observe(seconds);
      else if (call.method !== 'sendChatAction') replyLatency.observe(seconds);
    }
    return result;
  }

  return {
    sendTelegram,

    /**
     * A press's answer and the reply it led to, in one local activity: one workflow activation less
     * per press. Only the first try answers (a retry is for the reply, and the answer went out or
     * was refused then); a refused answer is logged and never fails the reply.
     */
    async answerAndSend(
      botId: string,
      answer: TelegramCall,
      call: TelegramCall,
      isGroup: boolean,
      receivedAt: number | null,
    ): Promise<{ messageId?: number }> {
      if (Context.current().info.attempt === 1) {
        try {
          await sendTelegram(botId, answer, isGroup, receivedAt);
        } catch (err) {
          logger.info({ botId, err: err instanceof Error ? err.message : String(err) }, 'callback answer refused');
        }
      }
      return sendTelegram(botId, call, isGroup, receivedAt);
    },
  };
}

/**
 * The time an attempt may wait for its send slot: what is left of its start-to-close timeout,
 * less a margin for the call itself. Context.sleep rejects when the attempt is cancelled (a local
 * activity that times out is cancelled), so a late attempt never sends.
 */
function attemptBudget(context: Context): AttemptBudget {
  const { startToCloseTimeoutMs, currentAttemptScheduledTimestampMs } = context.info;
  const left = currentAttemptScheduledTimestampMs + startToCloseTimeoutMs - Date.now();
  return {
    maxWaitMs: Math.max(0, left - Math.min(5_000, startToCloseTimeoutMs / 4)),
    async sleep(ms) {
      await context.sleep(ms);
      if (context.cancellationSignal.aborted) throw new CancelledFailure('cancelled while waiting for a send slot');
    },
  };
}
