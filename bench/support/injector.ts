import { sleep } from './stack';

/**
 * Releases user actions: at once (unpaced), or FIFO over the ready chats at `ratePerS` in total,
 * without catching up in bursts after a stretch with nothing ready.
 */
export class Injector<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  sent = 0;
  firstAt = Number.NaN;
  lastAt = Number.NaN;

  constructor(
    private readonly ratePerS: number,
    private readonly send: (chat: T) => void,
  ) {}

  ready(chat: T): void {
    if (this.stopped) return;
    if (this.ratePerS <= 0) this.release(chat);
    else {
      this.queue.push(chat);
      this.wake?.();
    }
  }

  private release(chat: T): void {
    const now = performance.now();
    if (this.sent === 0) this.firstAt = now;
    this.lastAt = now;
    this.sent += 1;
    this.send(chat);
  }

  /** The paced loop (returns at once when unpaced). */
  async run(): Promise<void> {
    if (this.ratePerS <= 0) return;
    const interval = 1_000 / this.ratePerS;
    let due = performance.now();
    while (!this.stopped) {
      if (this.head >= this.queue.length) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const now = performance.now();
      if (now < due) {
        await sleep(due - now);
        continue;
      }
      this.release(this.queue[this.head++] as T);
      if (this.head > 10_000) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      due += interval;
      if (due < now - interval) due = now;
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
