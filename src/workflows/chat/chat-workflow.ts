import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  setWorkflowOptions,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { generationFinished, generationFinishedEvent, type GenerationOutcome } from '../generation';
import { lean, since } from './patches';
import { ChatSession } from './session';
import { onVersionedWorkers } from '../versioning';
import { chatEvent, chatRestart, chatState, chatSteps, chatUpdate } from '../../temporal/chat-messages';
import type { ChatInput, ChatMessage, InboundUpdate } from './types';

/** History events after which a chat continues as new (about 80 updates). */
const SHORT_HISTORY_EVENTS = 500;

// With worker versioning on (WORKER_DEPLOYMENT_NAME), a chat moves to the current build at its next
// workflow task: chats live for weeks, and pinning them would keep every old build's workers
// running that long. The new build must therefore replay the old one's histories, which is what
// the patches (./patches.ts) and the replay suite (test/integration/replay.test.ts) are for.
setWorkflowOptions(onVersionedWorkers('AUTO_UPGRADE'), chatWorkflow);

/**
 * One Telegram chat with one bot, for as long as it is active: `chat:<botId>:<chatId>`.
 * The ingress delivers every update with signal-with-start, so the first click reaches this
 * workflow whether or not it is already running; handlers only enqueue, and the loop below takes
 * the inbox strictly in order, one input at a time. That is the whole concurrency story: a second
 * message waits for the first to be done, and sees everything the first one changed.
 */
export async function chatWorkflow(input: ChatInput): Promise<void> {
  const inbox: ChatMessage[] = [...(input.pending ?? [])];
  const session = new ChatSession(input);
  const activity = { busy: false };
  setHandler(chatUpdate, async (update) => {
    inbox.push({ kind: 'update', update });
    if (update.callback && !session.seen(update.updateId)) session.pressedDuringJob(update.callback.data);
    // Strict order is for the conversation, not for acknowledgements: a press that would wait for
    // earlier work is answered now (an async handler, so continue-as-new waits for the answer).
    // Histories from before (no marker) answered in turn.
    if (update.callback && (activity.busy || inbox.length > 1) && since('prompt-callback-answers')) await session.answerEarly(update);
  });
  setHandler(chatEvent, (event) => void inbox.push({ kind: 'event', event }));
  // A paid generation started through the API on behalf of this chat reports back as an event.
  setHandler(
    generationFinished,
    (outcome: GenerationOutcome) => void inbox.push({ kind: 'event', event: generationFinishedEvent(outcome) }),
  );
  setHandler(chatState, () => session.snapshot(inbox.length));
  setHandler(chatSteps, (afterSeq) => session.stepsAfter(afterSeq));
  setHandler(chatRestart, (restart) => void inbox.push({ kind: 'restart', restart }));

  await session.restore(inbox[0]);
  await session.warm();
  // A chat that blocked the bot stays at rest until its user comes back: a message, a press, an
  // unblock (my_chat_member) or an operator's restart. Histories from before (no marker) ended here.
  if (session.blocked) {
    if (!inbox.some(comesBack) || !since('blocked-and-back')) return;
    await session.unblock();
  }

  try {
    await converse(input, inbox, session, activity);
  } catch (err) {
    // A cancelled chat keeps its chat variables, as an idle one does.
    if (isCancellation(err) && since('save-on-cancel')) await CancellationScope.nonCancellable(() => session.persist());
    throw err;
  }
}

async function converse(input: ChatInput, inbox: ChatMessage[], session: ChatSession, activity: { busy: boolean }): Promise<void> {
  // Date.now() here is Temporal's workflow time (the sandbox replaces the clock): the same value
  // on replay, so timeouts and idleness are deterministic.
  let wake: WakeTimer | undefined;
  for (;;) {
    activity.busy = false;
    let arrived: boolean;
    // One timer for the next wake, kept across inputs while it is not late: an update no longer
    // costs a timer started and cancelled. It may fire early (the chat was active meanwhile); then
    // nothing is due and a new one is set. Histories from before (no marker) set one per wait.
    if (lean()) {
      const at = session.nextWake();
      if (!wake || wake.fired || wake.at > at) {
        wake?.cancel();
        wake = startWakeTimer(at);
      }
      const timer = wake;
      await condition(() => inbox.length > 0 || timer.fired);
      arrived = inbox.length > 0;
    } else arrived = await condition(() => inbox.length > 0, Math.max(1, session.nextWake() - Date.now()));
    activity.busy = true;
    if (!arrived) {
      if (session.timerDue(Date.now())) await session.handleTimer();
      else if (session.idle(Date.now())) {
        await session.persist();
        // An update signalled while the last activity ran would be lost by completing now.
        if (inbox.length > 0 && since('inbox-after-idle')) continue;
        return;
      }
      continue;
    }
    const next = inbox.shift() as ChatMessage;
    if (next.kind === 'event') await session.handleEvent(next.event);
    else if (next.kind === 'restart') await session.handleRestart(next.restart);
    else {
      const { update, mergedIds } = await debounced(inbox, next.update, session);
      await session.handleUpdate(update, mergedIds);
    }
    if (session.blocked) {
      if (since('save-on-block')) await session.persist();
      return;
    }

    // Short histories: a chat evicted from the worker's cache replays its whole run on its next
    // update, so a run ends (carrying its state over) long before the server would suggest it.
    if (workflowInfo().continueAsNewSuggested || (workflowInfo().historyLength > SHORT_HISTORY_EVENTS && lean())) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof chatWorkflow>({ ...input, state: session.state, pending: inbox });
    }
  }
}

interface WakeTimer {
  /** Workflow time it fires at. */
  at: number;
  fired: boolean;
  cancel(): void;
}

function startWakeTimer(at: number): WakeTimer {
  const scope = new CancellationScope();
  const timer: WakeTimer = { at, fired: false, cancel: () => scope.cancel() };
  scope
    .run(() => sleep(Math.max(1, at - Date.now())))
    .then(
      () => (timer.fired = true),
      () => undefined, // cancelled: a nearer wake replaced it
    );
  return timer;
}

/** Whether a message in the inbox shows the user (or an operator) is back after a block. */
function comesBack(message: ChatMessage): boolean {
  if (message.kind === 'restart') return true;
  if (message.kind !== 'update') return false;
  return message.update.membership === undefined || message.update.membership === 'member';
}

/**
 * With a debounce window, plain text messages that follow each other within it are merged into
 * one input (a user who types three short lines gets one answer). Anything else ends the merge.
 */
async function debounced(
  inbox: ChatMessage[],
  first: InboundUpdate,
  session: ChatSession,
): Promise<{ update: InboundUpdate; mergedIds: number[] }> {
  const windowMs = session.debounceMs();
  const mergedIds: number[] = [];
  if (windowMs <= 0 || !isPlainText(first) || session.seen(first.updateId)) return { update: first, mergedIds };
  const merged = { ...first };
  while (await condition(() => inbox.length > 0, windowMs)) {
    const next = inbox[0] as ChatMessage;
    if (next.kind !== 'update' || !isPlainText(next.update)) break;
    inbox.shift();
    if (session.seen(next.update.updateId)) continue;
    merged.text = `${merged.text}\n${next.update.text}`;
    mergedIds.push(next.update.updateId);
  }
  return { update: merged, mergedIds };
}

function isPlainText(update: InboundUpdate): boolean {
  return update.text !== null && !update.command && !update.callback && !update.contact;
}
