import { setTimeout as sleep } from 'node:timers/promises';
import type { Telegram } from 'telegraf';
import type { Logger } from '../logger';
import {
  MalformedUpdateError,
  normaliseUpdate,
  preCheckoutOf,
  subscribedUpdates,
  type InboundUpdate,
  type PreCheckoutQuery,
} from '../telegram/inbound';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { deliverUpdate } from './deliver';

/** Where a loop's offset comes from and goes to: the bot's polling lease, or (default) nowhere. */
export interface PollingOffsets {
  initial(): Promise<number>;
  /** False when this loop may no longer poll (its lease is gone): it stops. */
  save(nextUpdateId: number): Promise<boolean>;
}

const unsaved: PollingOffsets = { initial: async () => 0, save: async () => true };

/** Answers a pre-checkout query (see pre-checkout.ts); never throws. */
export type PreCheckoutAnswerer = (query: PreCheckoutQuery, receivedAt: number) => Promise<void>;

const refuseAll: PreCheckoutAnswerer = async () => undefined;

/**
 * Long polling for one bot. The offset that confirms updates to Telegram advances only after
 * every update of a batch was delivered to Temporal, so a crash here means redelivery (which
 * the chat workflow drops by update_id), never loss. Within a batch, updates of one chat are
 * delivered one after another, in order; different chats in parallel. The offset is saved
 * after each batch, so whoever polls the bot next continues there.
 */
export class PollingLoop {
  private stopped = false;
  private readonly abort = new AbortController();
  private looping: Promise<void> | undefined;

  constructor(
    private readonly botId: string,
    private readonly telegram: Telegram,
    private readonly target: DeliveryTarget,
    private readonly logger: Logger,
    private readonly offsets: PollingOffsets = unsaved,
    private readonly answerPreCheckout: PreCheckoutAnswerer = refuseAll,
  ) {}

  start(): void {
    this.looping = this.loop();
  }

  /** False once stopped, or once it stopped itself (its lease was lost). */
  get running(): boolean {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.looping;
  }

  private async loop(): Promise<void> {
    let offset: number | undefined;
    let failures = 0;
    while (!this.stopped) {
      try {
        offset ??= await this.offsets.initial();
        const updates = await this.telegram.callApi(
          'getUpdates',
          { offset, timeout: 25, limit: 100, allowed_updates: subscribedUpdates },
          { signal: this.abort.signal as unknown as NonNullable<Parameters<Telegram['callApi']>[2]>['signal'] },
        );
        await this.deliverBatch(updates as unknown[]);
        const last = (updates as { update_id: number }[]).at(-1);
        if (last) {
          offset = last.update_id + 1;
          if (!(await this.offsets.save(offset))) {
            this.logger.warn({ botId: this.botId }, 'the polling lease was lost; another replica polls this bot now');
            this.stopped = true;
            return;
          }
        }
        failures = 0;
      } catch (err) {
        if (this.stopped) return;
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.logger.warn(
          { err, botId: this.botId, retryInMs: delay },
          'polling failed; updates stay unconfirmed and will be fetched again',
        );
        // Cut short by stop(): a replica handing the bot over must not wait out a backoff.
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private async deliverBatch(raw: unknown[]): Promise<void> {
    const byChat = new Map<string, InboundUpdate[]>();
    const receivedAt = Date.now();
    // Answered at once, beside the chats' deliveries: Telegram's 10 seconds must not wait for them.
    const answering: Promise<void>[] = [];
    for (const item of raw) {
      const query = preCheckoutOf(item);
      if (query) {
        answering.push(this.answerPreCheckout(query, receivedAt));
        continue;
      }
      let update: InboundUpdate | null;
      try {
        update = normaliseUpdate(item, Date.now());
      } catch (err) {
        if (!(err instanceof MalformedUpdateError)) throw err;
        this.logger.warn({ botId: this.botId, error: err.message }, 'skipping a malformed update');
        continue;
      }
      if (!update) continue;
      byChat.set(update.chatId, [...(byChat.get(update.chatId) ?? []), update]);
    }
    // Every chat's delivery is awaited, also when another fails: none may still be in flight
    // when the loop retries or stops (and the Temporal connection closes under it).
    const results = await Promise.allSettled([
      ...answering,
      ...[...byChat.values()].map(async (updates) => {
        for (const update of updates) await deliverUpdate(this.target, this.botId, update, 'polling');
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
