import type { ApiResponse, Fault } from './types';

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/**
 * A Bot API failure. Method handlers throw it; the emulator answers it as
 * `{ok:false, error_code, description, parameters}` with the HTTP status equal to the code,
 * which is what telegraf turns into a TelegramError.
 */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
    this.name = 'BotApiError';
  }

  static badRequest(reason: string): BotApiError {
    return new BotApiError(400, `Bad Request: ${reason}`);
  }

  static conflict(reason: string): BotApiError {
    return new BotApiError(409, `Conflict: ${reason}`);
  }

  /** An injected fault, worded as Telegram words the same code. */
  static fromFault(fault: Fault): BotApiError {
    if (fault.errorCode === 429) {
      const retryAfter = fault.retryAfter ?? 1;
      return new BotApiError(429, fault.description ?? `Too Many Requests: retry after ${retryAfter}`, retryAfter);
    }
    const description = fault.description ?? DEFAULT_DESCRIPTIONS[fault.errorCode] ?? `Error ${fault.errorCode}`;
    return new BotApiError(fault.errorCode, description, fault.retryAfter);
  }

  toResponse(): ApiResponse {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.retryAfter === undefined ? {} : { parameters: { retry_after: this.retryAfter } }),
    };
  }
}

/**
 * A test or the simulator asked the emulator for something it cannot do (an unknown bot, a
 * button that is not on screen). `status` is what the control API answers with.
 */
export class EmulatorUsageError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'EmulatorUsageError';
  }
}

export class UnknownBotError extends EmulatorUsageError {
  constructor(bot: string | number) {
    super(`no emulated bot ${typeof bot === 'number' ? bot : 'with that token'}`, 404);
    this.name = 'UnknownBotError';
  }
}

/** Thrown by pressButton when no message in the chat shows a button with that callback_data. */
export class NoSuchButtonError extends EmulatorUsageError {
  constructor(chatId: number, callbackData: string, messageId?: number) {
    const where = messageId === undefined ? 'any bot message' : `message ${messageId}`;
    super(`chat ${chatId}: ${where} has no inline button with callback_data ${JSON.stringify(callbackData)}`, 409);
    this.name = 'NoSuchButtonError';
  }
}

/** Thrown by waitFor when nothing matched in time; the message says what was seen instead. */
export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, seen: string) {
    super(`no ${what} matched within ${timeoutMs} ms; seen: ${seen || 'nothing'}`);
    this.name = 'WaitTimeoutError';
  }
}
