import { WaitTimeoutError } from './errors';

/** How many recent entries a timeout message lists, so a failing test shows what did happen. */
const SEEN_IN_TIMEOUT_MESSAGE = 15;

/**
 * An append-only record that tests can wait on. waitFor looks at what is already recorded before
 * waiting for what comes, so a test never misses an entry that landed before it started waiting.
 */
export class AwaitableLog<T> {
  private readonly entries: T[] = [];
  private readonly waiters = new Set<(entry: T) => void>();

  constructor(
    private readonly what: string,
    private readonly describe: (entry: T) => string,
  ) {}

  add(entry: T): void {
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) waiter(entry);
  }

  all(): T[] {
    return [...this.entries];
  }

  waitFor(matches: (entry: T) => boolean, timeoutMs: number): Promise<T> {
    const existing = this.entries.find(matches);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        settle();
      };
      const waiter = (entry: T) => {
        try {
          if (matches(entry)) finish(() => resolve(entry));
        } catch (error) {
          finish(() => reject(error));
        }
      };
      const timer = setTimeout(() => finish(() => reject(this.timeoutError(timeoutMs))), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private timeoutError(timeoutMs: number): WaitTimeoutError {
    const seen = this.entries.slice(-SEEN_IN_TIMEOUT_MESSAGE).map(this.describe).join(', ');
    return new WaitTimeoutError(this.what, timeoutMs, seen);
  }
}
