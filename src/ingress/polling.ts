import type { Telegram } from 'telegraf';
import type { Logger } from '../logger';
import { MalformedUpdateError, normaliseUpdate, subscribedUpdates, type InboundUpdate } from '../telegram/inbound';
import type { DeliveryTarget } from '../temporal/chat-delivery';
import { deliverUpdate } from './deliver';

/**
 * Long polling for one bot. The offset that confirms updates to Telegram advances only after
 * every update of a batch was delivered to Temporal, so a crash here means redelivery (which
 * the chat workflow drops by update_id), never loss. Within a batch, updates of one chat are
 * delivered one after another, in order; different chats in parallel.
 */
export class PollingLoop {
  private stopped = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly botId: string,
    private readonly telegram: Telegram,
    private readonly target: DeliveryTarget,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let offset = 0;
    let failures = 0;
    // A webhook left over from webhook mode would make getUpdates fail with 409.
    await this.telegram.deleteWebhook().catch((err: unknown) => this.logger.warn({ err, botId: this.botId }, 'deleteWebhook failed'));
    while (!this.stopped) {
      try {
        const updates = await this.telegram.callApi(
          'getUpdates',
          { offset, timeout: 25, limit: 100, allowed_updates: subscribedUpdates },
          { signal: this.abort.signal as unknown as NonNullable<Parameters<Telegram['callApi']>[2]>['signal'] },
        );
        await this.deliverBatch(updates as unknown[]);
        const last = (updates as { update_id: number }[]).at(-1);
        if (last) offset = last.update_id + 1;
        failures = 0;
      } catch (err) {
        if (this.stopped) return;
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.logger.warn(
          { err, botId: this.botId, retryInMs: delay },
          'polling failed; updates stay unconfirmed and will be fetched again',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async deliverBatch(raw: unknown[]): Promise<void> {
    const byChat = new Map<string, InboundUpdate[]>();
    for (const item of raw) {
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
    const results = await Promise.allSettled(
      [...byChat.values()].map(async (updates) => {
        for (const update of updates) await deliverUpdate(this.target, this.botId, update, 'polling');
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
