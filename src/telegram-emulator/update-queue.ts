import type { QueuedUpdate } from './types';
import { updateType } from './update-fields';

/** What Telegram sends when allowed_updates is empty or was never given. */
const OPT_IN_UPDATE_TYPES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

/** How a long poll ended: updates are there, time ran out, a newer getUpdates took over, or the caller left. */
export type PollOutcome = 'ready' | 'timeout' | 'superseded' | 'aborted';

interface WaitingReader {
  settle(outcome: PollOutcome): void;
}

/**
 * One bot's undelivered updates. An update stays until getUpdates confirms it with a higher
 * offset, or the webhook accepts it (or gives up on it); the history keeps every update for
 * redelivery. Only one getUpdates may wait at a time, as on Telegram.
 */
export class UpdateQueue {
  private pending: QueuedUpdate[] = [];
  private readonly history = new Map<number, QueuedUpdate>();
  private lastUpdateId = 0;
  private allowed: ReadonlySet<string> | undefined;
  private reader: WaitingReader | undefined;

  nextUpdateId(): number {
    this.lastUpdateId += 1;
    return this.lastUpdateId;
  }

  /** Queues an update unless allowed_updates leaves its type out; returns whether it was queued. */
  push(update: QueuedUpdate): boolean {
    if (!this.accepts(update)) return false;
    this.lastUpdateId = Math.max(this.lastUpdateId, update.update_id);
    this.pending.push(update);
    this.history.set(update.update_id, update);
    this.reader?.settle('ready');
    return true;
  }

  /** As on Telegram, an empty list means the default set, and the setting sticks until changed. */
  setAllowedUpdates(types: readonly string[]): void {
    this.allowed = types.length === 0 ? undefined : new Set(types);
  }

  get allowedUpdates(): string[] | undefined {
    return this.allowed && [...this.allowed];
  }

  /** getUpdates' offset: a positive one forgets earlier updates, a negative one keeps only the last -offset. */
  confirm(offset: number): void {
    this.pending = offset < 0 ? this.pending.slice(offset) : this.pending.filter((u) => u.update_id >= offset);
  }

  peek(limit: number): QueuedUpdate[] {
    return this.pending.slice(0, limit);
  }

  remove(updateId: number): void {
    const index = this.pending.findIndex((u) => u.update_id === updateId);
    if (index >= 0) this.pending.splice(index, 1);
  }

  dropPending(): void {
    this.pending = [];
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  pendingUpdates(): QueuedUpdate[] {
    return [...this.pending];
  }

  find(updateId: number): QueuedUpdate | undefined {
    return this.history.get(updateId);
  }

  /**
   * Holds a getUpdates until an update is queued, the timeout passes or the caller disconnects.
   * A reader already waiting is superseded: Telegram answers it 409 "terminated by other getUpdates".
   */
  poll(timeoutMs: number, signal: AbortSignal): Promise<PollOutcome> {
    this.reader?.settle('superseded');
    if (this.pending.length > 0 || timeoutMs <= 0) return Promise.resolve('ready');
    return new Promise((resolve) => {
      const reader: WaitingReader = {
        settle: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if (this.reader === reader) this.reader = undefined;
          resolve(outcome);
        },
      };
      const onAbort = () => reader.settle('aborted');
      const timer = setTimeout(() => reader.settle('timeout'), timeoutMs);
      this.reader = reader;
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends a waiting getUpdates without updates; used when the server shuts down. */
  releaseReader(): void {
    this.reader?.settle('aborted');
  }

  private accepts(update: QueuedUpdate): boolean {
    const type = updateType(update);
    if (type === undefined) return true;
    return this.allowed ? this.allowed.has(type) : !OPT_IN_UPDATE_TYPES.has(type);
  }
}
