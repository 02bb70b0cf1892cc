import pg from 'pg';
import type { Logger } from '../logger';

/** The channel a trigger on `bots` and `flows` notifies with the bot's id (drizzle/0007_polling_leases.sql). */
export const botChangedChannel = 'bot_changed';

/** A bot's id, or null: anything may have changed (notifications sent while nobody listened were missed). */
export type BotChangeHandler = (botId: string | null) => void | Promise<void>;

/** How often the listening connection is checked (a cheap `select 1`), and how long a check may take. */
const CHECK_EVERY_MS = 15_000;
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Tells this process when a bot changed in PostgreSQL, whichever process changed it: a LISTEN on
 * a connection of its own. A notification sent while that connection is down is lost, so each
 * (re)connection is reported as "anything may have changed" (null) and the handlers re-read what
 * they keep; the connection is checked every few seconds, so a silently dead one is replaced.
 */
export class BotChanges {
  private readonly handlers: BotChangeHandler[] = [];
  private client: pg.Client | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private check: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly checkEveryMs = CHECK_EVERY_MS,
  ) {}

  onChange(handler: BotChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Listens from now on; when PostgreSQL cannot be reached, keeps trying in the background. */
  async start(): Promise<void> {
    await this.connect();
    this.check = setInterval(() => void this.checkConnection(), this.checkEveryMs);
    this.check.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.check);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      keepAlive: true,
      query_timeout: QUERY_TIMEOUT_MS,
      // Named in pg_stat_activity, so an operator sees what holds the connection.
      application_name: 'bot-changes',
    });
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.reconnectLater(err);
    };
    client.on('notification', (message) => {
      if (message.channel === botChangedChannel && message.payload) this.emit(message.payload);
    });
    client.on('error', lose);
    client.on('end', () => lose());
    try {
      await client.connect();
      await client.query(`listen ${botChangedChannel}`);
    } catch (err) {
      lose(err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.logger.info('listening for bot changes again');
    this.failures = 0;
    // Whatever changed while nobody listened was missed: the handlers re-read everything.
    this.emit(null);
  }

  private reconnectLater(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
    this.logger.warn({ err, retryInMs: delay }, 'lost the connection that listens for bot changes; reconnecting');
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }

  private async checkConnection(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query('select 1');
    } catch (err) {
      // A connection that cannot answer may not deliver notifications either: replace it.
      client.emit('error', err);
    }
  }

  private emit(botId: string | null): void {
    this.logger.info({ botId }, botId === null ? 'bot changes: re-reading all bots' : 'bot changed');
    for (const handler of this.handlers) {
      void Promise.resolve()
        .then(() => handler(botId))
        .catch((err: unknown) => this.logger.error({ err, botId }, 'reacting to a bot change failed'));
    }
  }
}
