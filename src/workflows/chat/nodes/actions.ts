import {
  ActivityFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  uuid4,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ChatActivities } from '../../../activities/chat';
import { evaluateExpression, renderTemplate } from '../../../flow/expression';
import { NEXT } from '../../../flow/next-handle';
import type { NodeOf } from '../../../flow/schema';
import { secretMarker, secretNamesIn } from '../../../flow/secret-markers';
import { BotId, ChatId, JobKind, UserId } from '../../../temporal/search-attributes';
import type { GenerationOutcome } from '../../generation';
import { describe, local } from '../activities';
import type { Handlers, NodeRuntime, Outcome } from './handler';
import { since } from '../patches';

type ActionKind = 'action.set' | 'action.http' | 'action.notify' | 'action.analytics' | 'action.generation' | 'action.credits';

export const actionHandlers: Handlers<ActionKind> = {
  'action.set': {
    async execute(node, rt) {
      await rt.setVariable(node.data.variable, node.data.op, evaluateExpression(node.data.value, rt.scope()));
      return { handle: NEXT };
    },
  },
  'action.http': { execute: httpRequest },
  'action.notify': {
    async execute(node, rt) {
      try {
        await local.sendTelegram(
          rt.botId,
          {
            method: 'sendMessage',
            chatId: rt.render(node.data.chatId),
            text: rt.render(node.data.text, node.data.parseMode),
            parseMode: node.data.parseMode,
          },
          true,
          null,
        );
      } catch (err) {
        // The other chat's trouble (blocked, wrong id) is not this conversation's.
        log.warn('notify failed', { node: node.id, error: describe(err) });
      }
      return { handle: NEXT };
    },
  },
  'action.analytics': {
    async execute(node, rt) {
      const properties = Object.fromEntries(
        Object.entries(node.data.properties ?? {}).map(([k, expr]) => [k, evaluateExpression(expr, rt.scope())]),
      );
      const run = rt.run();
      await local.recordAnalytics({
        botId: rt.botId,
        chatId: rt.chatId,
        userId: run.userId,
        event: node.data.event,
        properties,
        step: `${run.context.message.chatId}:${Date.now()}:${node.id}:${rt.stepCount}`,
      });
      return { handle: NEXT };
    },
  },
  'action.generation': { execute: generate },
  'action.credits': {
    async execute(node, rt) {
      await rt.setVariable(node.data.variable, 'set', await local.readBalance(rt.run().userId));
      return { handle: NEXT };
    },
  },
};

async function httpRequest(node: NodeOf<'action.http'>, rt: NodeRuntime): Promise<Outcome> {
  const { data } = node;
  // A regular (not local) activity: an author's API may be slow, and must not hold the
  // workflow task. Not retried: a POST may not be safe to repeat.
  const http = proxyActivities<ChatActivities>({ startToCloseTimeout: data.timeoutMs + 5_000, retry: { maximumAttempts: 1 } });
  // Flow secrets are not known here: they are rendered as markers the activity fills in.
  const names = secretNamesIn([data.url, ...Object.values(data.headers ?? {}), ...(data.body === undefined ? [] : [data.body])]);
  const nonce = names.length > 0 ? uuid4() : undefined;
  const scope = rt.scope(
    nonce === undefined ? undefined : { secret: Object.fromEntries(names.map((name) => [name, secretMarker(nonce, name)])) },
  );
  const render = (template: string) => renderTemplate(template, scope);
  let response: Awaited<ReturnType<ChatActivities['httpRequest']>>;
  try {
    response = await http.httpRequest({
      method: data.method,
      url: render(data.url),
      headers: Object.fromEntries(Object.entries(data.headers ?? {}).map(([k, v]) => [k, render(v)])),
      body: data.body === undefined ? undefined : render(data.body),
      timeoutMs: data.timeoutMs,
      ...(nonce === undefined ? {} : { secrets: { botId: rt.botId, nonce } }),
    });
  } catch (err) {
    // The activity timed out, lost its worker or failed: to the flow, the request failed.
    // Histories recorded before (no marker) stopped the run here.
    if (!(err instanceof ActivityFailure) || isCancellation(err) || !since('http-failure-takes-error')) throw err;
    log.info('HTTP request activity failed', { node: node.id, error: describe(err) });
    return { handle: 'error' };
  }
  if (!response.ok) {
    log.info('HTTP request failed', { node: node.id, status: response.status, error: response.error });
    return { handle: 'error' };
  }
  const extra = { response: { status: response.status, headers: response.headers, body: response.body } };
  for (const mapping of data.saveResponse ?? []) {
    await rt.setVariable(mapping.variable, 'set', evaluateExpression(mapping.value, rt.scope(extra)));
  }
  return { handle: 'success' };
}

/** A paid generation as a child workflow (the saga); its money settles on its own. */
async function generate(node: NodeOf<'action.generation'>, rt: NodeRuntime): Promise<Outcome> {
  const run = rt.run();
  const prepared = await local.prepareGeneration({
    botId: rt.botId,
    chatId: rt.chatId,
    userId: run.userId,
    kind: node.data.kind,
    prompt: rt.render(node.data.prompt),
    key: nextGenerationKey(node.id, rt),
  });
  if ('unknownKind' in prepared) {
    log.warn('unknown generation kind', { kind: prepared.unknownKind });
    return { handle: 'refunded' };
  }
  await rt.send({ method: 'sendChatAction', chatId: rt.chatId, action: 'typing' }).catch(() => undefined);
  let outcome: GenerationOutcome;
  // The job runs in a scope of its own: a press of the node's cancel button cancels just it (the
  // job refunds as its compensation), while a cancellation of the whole chat still reaches it too.
  const job = new CancellationScope();
  let cancelledByUser = false;
  const unwatch =
    node.data.cancelData === undefined
      ? () => undefined
      : rt.onPressDuringJob(node.data.cancelData, () => {
          cancelledByUser = true;
          job.cancel();
        });
  try {
    outcome = await job.run(() =>
      executeChild('generationWorkflow', {
        workflowId: prepared.workflowId,
        taskQueue: prepared.taskQueue,
        args: [prepared.input],
        // The job settles its money on its own, even if this chat moves on or goes idle.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: UserId, value: run.userId },
          { key: JobKind, value: node.data.kind },
          { key: BotId, value: rt.botId },
          { key: ChatId, value: rt.chatId },
        ],
      }),
    );
  } catch (err) {
    if (cancelledByUser && isCancellation(err)) {
      rt.record('input', node, 'the user cancelled the job; its credits are refunded');
      return { handle: 'refunded' };
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // Its key was used before (it cannot be, keys are unique per request; kept as a guard):
      // that job settles its own money, and this run goes on without its result.
      rt.record('error', node, `generation ${prepared.workflowId} was started before; not started again`);
      return { handle: 'refunded' };
    }
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    return { handle: 'refunded' };
  } finally {
    unwatch();
  }
  if (outcome.status !== 'completed') return { handle: 'refunded' };
  if (node.data.resultVariable) await rt.setVariable(node.data.resultVariable, 'set', outcome.result?.text ?? null);
  return { handle: 'success' };
}

/**
 * A paid job's key, unique per request: a counter kept in the chat's state (carried across
 * continue-as-new) within this chain of runs (a chat that went idle starts a new chain).
 * Histories from before (no marker) keyed by the last update, which a timer, an event or a
 * restart reaching the same node reused.
 */
function nextGenerationKey(nodeId: string, rt: NodeRuntime): string {
  const { state } = rt;
  if (!since('generation-key-counter')) {
    return `chat-${rt.botId}-${rt.chatId}-${state.seenUpdateIds[state.seenUpdateIds.length - 1] ?? 0}-${nodeId}-${rt.stepCount}`;
  }
  state.generations = (state.generations ?? 0) + 1;
  return `chat-${rt.botId}-${rt.chatId}-${workflowInfo().firstExecutionRunId}-${state.generations}`;
}
