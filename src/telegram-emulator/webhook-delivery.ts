import { BotApiError } from './errors';
import { paramsFromBody } from './request-params';
import type { ApiParams, Clock, DeliveryAttempt, QueuedUpdate } from './types';
import { updateChatKey } from './update-fields';

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
}

export interface WebhookSenderOptions {
  botId: number;
  clock: Clock;
  retryDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
  onAttempt(attempt: DeliveryAttempt): void;
  /** The update leaves the bot's queue: the webhook took it, or every try failed. Not called for redeliveries. */
  onDone(update: QueuedUpdate): void;
  /** Runs the method a webhook answered with in its response body, which Telegram executes too. */
  onReply(method: string, params: ApiParams): Promise<void>;
}

/** Delivered: the webhook answered 2xx. Gave up: every try failed. Stopped: the webhook was removed first. */
export type DeliveryOutcome = 'delivered' | 'gave-up' | 'stopped';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  attempts: DeliveryAttempt[];
}

type PostResult =
  { ok: true; status: number; reply: { method: string; params: ApiParams } | undefined } | { ok: false; status?: number; error: string };

/** At most max_connections requests in flight to one webhook, as Telegram promises. */
class ConnectionSlots {
  private readonly waiting: Array<() => void> = [];

  constructor(private free: number) {}

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }

  /** Lets every waiter through; used on stop, when they will find the webhook gone and quit. */
  drain(): void {
    for (const next of this.waiting.splice(0)) next();
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A property of a thrown value; fetch's errors come from another realm under jest, so instanceof cannot be trusted. */
function property(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Telegram's last_error_message wording for failures that never got an HTTP status. */
function networkErrorMessage(error: unknown): string {
  if (property(error, 'name') === 'TimeoutError') return 'Read timeout expired';
  const code = property(property(error, 'cause'), 'code');
  if (code === 'ECONNREFUSED') return 'Connection refused';
  const message = property(error, 'message');
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' ? `${text} (${code})` : text;
}

/** The method a webhook put in its response body; Telegram ignores a body it cannot read. */
function webhookReply(contentType: string | null, body: Buffer): { method: string; params: ApiParams } | undefined {
  let params: ApiParams;
  try {
    params = paramsFromBody(contentType ?? undefined, body);
  } catch (error) {
    if (error instanceof BotApiError) return undefined;
    throw error;
  }
  const { method, ...rest } = params;
  return typeof method === 'string' ? { method, params: rest } : undefined;
}

/**
 * Pushes one bot's updates to its webhook as Telegram does: updates of one chat go one at a time,
 * the next only after the previous request finished (retries included), while different chats
 * are delivered concurrently up to max_connections. A failed try (non-2xx, network error or
 * timeout) is retried after a pause, a bounded number of times; every try is reported.
 */
export class WebhookSender {
  lastError: { date: number; message: string } | undefined;
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly stopping = new AbortController();
  private readonly slots: ConnectionSlots;

  constructor(
    readonly config: WebhookConfig,
    private readonly options: WebhookSenderOptions,
  ) {
    this.slots = new ConnectionSlots(config.maxConnections);
  }

  /** Queues the update behind earlier ones of its chat; resolves when it is delivered, given up or stopped. */
  send(update: QueuedUpdate, redelivery = false): Promise<DeliveryResult> {
    const key = updateChatKey(update);
    const previous = this.chains.get(key) ?? Promise.resolve();
    // Ordering needs only that the previous delivery settled; its own failure reaches its own caller.
    const delivery = previous.then(
      () => this.deliver(update, redelivery),
      () => this.deliver(update, redelivery),
    );
    this.chains.set(key, delivery);
    const forget = () => {
      if (this.chains.get(key) === delivery) this.chains.delete(key);
    };
    delivery.then(forget, forget);
    return delivery;
  }

  /** Ends delivery: requests in flight are aborted and queued updates are left undelivered. */
  stop(): void {
    this.stopping.abort();
    this.slots.drain();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async deliver(update: QueuedUpdate, redelivery: boolean): Promise<DeliveryResult> {
    const { botId, clock, maxAttempts, retryDelayMs } = this.options;
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      if (this.stopped) return { outcome: 'stopped', attempts };
      const at = clock();
      const result = await this.post(update);
      if (this.stopped) return { outcome: 'stopped', attempts };
      const record: DeliveryAttempt = {
        bot: botId,
        updateId: update.update_id,
        url: this.config.url,
        attempt,
        redelivery,
        at,
        ok: result.ok,
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.ok ? {} : { error: result.error }),
      };
      attempts.push(record);
      const last = result.ok || attempt === maxAttempts;
      // The queue is updated before the try is reported, so whoever waits on the report sees it settled.
      if (last && !redelivery) this.options.onDone(update);
      if (!result.ok) this.lastError = { date: Math.floor(clock() / 1000), message: result.error };
      this.options.onAttempt(record);
      if (result.ok) {
        if (result.reply) await this.options.onReply(result.reply.method, result.reply.params);
        return { outcome: 'delivered', attempts };
      }
      if (attempt < maxAttempts) await pause(retryDelayMs, this.stopping.signal);
    }
    return { outcome: 'gave-up', attempts };
  }

  private async post(update: QueuedUpdate): Promise<PostResult> {
    await this.slots.acquire();
    try {
      const response = await fetch(this.config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.config.secretToken === undefined ? {} : { 'x-telegram-bot-api-secret-token': this.config.secretToken }),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok) {
        const error = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
        return { ok: false, status: response.status, error };
      }
      return { ok: true, status: response.status, reply: webhookReply(response.headers.get('content-type'), body) };
    } catch (error) {
      return { ok: false, error: networkErrorMessage(error) };
    } finally {
      this.slots.release();
    }
  }
}
