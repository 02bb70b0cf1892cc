import { TelegramError } from 'telegraf';

/**
 * A refusal from the Bot API: its `error_code`, `description` and `parameters` (`retry_after` on
 * 429), typed, instead of probing an error's shape wherever one is caught.
 */
export class TelegramApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters: { retry_after?: number; migrate_to_chat_id?: number } = {},
  ) {
    super(`Telegram ${code}: ${description}`);
    this.name = 'TelegramApiError';
  }

  /** The Bot API's answer behind a client's error, or undefined for any other error (network…). */
  static from(err: unknown): TelegramApiError | undefined {
    if (err instanceof TelegramApiError) return err;
    if (!(err instanceof TelegramError)) return undefined;
    return new TelegramApiError(err.code, err.description, err.parameters ?? {});
  }

  /** 429: how long Telegram asks to wait (1 s when it does not say). */
  get retryAfterMs(): number | undefined {
    return this.code === 429 ? (this.parameters.retry_after ?? 1) * 1000 : undefined;
  }

  /** 403: the user blocked the bot, or it is no longer in the group. */
  get botBlocked(): boolean {
    return this.code === 403;
  }

  /** 400: the request was refused as it is (bad markup, message gone…); sending it again cannot help. */
  get badRequest(): boolean {
    return this.code === 400;
  }

  /** An edit that would change nothing: the message already says it. */
  get notModified(): boolean {
    return this.code === 400 && /message is not modified/.test(this.description);
  }
}
