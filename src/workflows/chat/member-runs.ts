import type { ChatState, RunState } from './types';
import { since } from './patches';

// In a group, each member has a run of their own: a member's command never replaces another
// member's run, and a wait is answered only by the member it waits for. The run of the member
// being served is `state.run` (all of the interpreter works on it); the others are parked in
// `state.memberRuns`, keyed by user id, and swapped in when their member writes or their timer
// fires. Histories from before (no marker) kept one run per chat and replay that way.

/** Parked runs kept at most; beyond, the oldest are dropped (their members start afresh). */
const MAX_PARKED_RUNS = 100;

/** Makes `userId`'s run (or none) the current one, parking the current run of another member. */
export function switchToMember(state: ChatState, userId: string): void {
  const current = state.run;
  if (current?.userId === userId) return;
  const parked = state.memberRuns ?? {};
  if (!current && !parked[userId]) return;
  if (!since('group-runs-per-member')) return;
  if (current) parked[current.userId] = current;
  state.run = parked[userId] ?? null;
  delete parked[userId];
  const keys = Object.keys(parked);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PARKED_RUNS))) delete parked[old];
  state.memberRuns = parked;
}

/** Every run of the chat: the current one and the parked ones. */
function allRuns(state: ChatState): RunState[] {
  return [...(state.run ? [state.run] : []), ...Object.values(state.memberRuns ?? {})];
}

/** The earliest pending timer (a delay, a wait's timeout) of any run, or null. */
export function earliestUntil(state: ChatState): number | null {
  let earliest: number | null = null;
  for (const run of allRuns(state)) {
    const until = run.suspended.until;
    if (until !== null && (earliest === null || until < earliest)) earliest = until;
  }
  return earliest;
}

/** The member whose parked run's timer is due, when the current run's is not. */
export function dueParkedMember(state: ChatState, now: number): string | undefined {
  const current = state.run?.suspended.until;
  if (current !== null && current !== undefined && current <= now) return undefined;
  return Object.values(state.memberRuns ?? {}).find((run) => run.suspended.until !== null && run.suspended.until <= now)?.userId;
}
