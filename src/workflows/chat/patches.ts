import { patched } from '@temporalio/workflow';

/**
 * The chat workflow's behaviour changes, each behind a patch so that histories recorded before it
 * replay as they ran. The SDK records a marker and upserts the TemporalChangeVersion search
 * attribute (a visibility write) for every distinct patch a run takes, and chats start new runs
 * often (after going idle, after continue-as-new): one per patch would be a dozen per run.
 *
 * `lean-updates` is the newest of them (this code's deploy), so a run that records it runs code
 * newer than every older patch: `since(old)` answers true for it without calling patched(old),
 * and a new run records one marker. Histories from before it replay each old patch exactly as
 * recorded, as patched(old) alone would. New changes go behind `lean()` until the next deploy
 * that needs a patch of its own.
 */
type OlderPatch =
  | 'callback-toast'
  | 'step-metrics'
  | 'timers-outlive-idleness'
  | 'inbox-after-idle'
  | 'save-on-cancel'
  | 'save-on-block'
  | 'prompt-callback-answers'
  | 'blocked-and-back'
  | 'event-user-of-private-chat'
  | 'http-failure-takes-error'
  | 'generation-key-counter'
  | 'variable-size-caps'
  | 'bounded-known-users'
  | 'group-runs-per-member'
  | 'linear-regex';

/**
 * This deploy's changes: per-node metrics through a sink, one wake timer across inputs, the flow
 * version carried by the update, a press's answer sent with its reply, histories kept short.
 */
export function lean(): boolean {
  return patched('lean-updates');
}

/** Whether the behaviour introduced by `patch` applies (always, in a run that took `lean-updates`). */
export function since(patch: OlderPatch): boolean {
  return lean() || patched(patch);
}
