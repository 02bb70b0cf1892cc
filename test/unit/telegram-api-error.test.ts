import { TelegramError } from 'telegraf';
import { TelegramApiError } from '../../src/telegram/api-error';

describe('TelegramApiError', () => {
  it('types the Bot API answer behind a telegraf error', () => {
    const error = TelegramApiError.from(
      new TelegramError({ error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }),
    );
    expect(error).toBeInstanceOf(TelegramApiError);
    expect(error).toMatchObject({ code: 429, description: 'Too Many Requests: retry after 3', retryAfterMs: 3000 });
    expect(error?.message).toBe('Telegram 429: Too Many Requests: retry after 3');
  });

  it('waits one second on a 429 that names no wait, and only a 429 asks for a wait', () => {
    expect(new TelegramApiError(429, 'Too Many Requests').retryAfterMs).toBe(1000);
    expect(new TelegramApiError(400, 'Bad Request', { retry_after: 5 }).retryAfterMs).toBeUndefined();
  });

  it('tells a blocked bot, a refused request and an edit that changes nothing apart', () => {
    const blocked = new TelegramApiError(403, 'Forbidden: bot was blocked by the user');
    expect([blocked.botBlocked, blocked.badRequest, blocked.notModified]).toEqual([true, false, false]);
    const refused = new TelegramApiError(400, 'Bad Request: message to edit not found');
    expect([refused.botBlocked, refused.badRequest, refused.notModified]).toEqual([false, true, false]);
    const same = new TelegramApiError(400, 'Bad Request: message is not modified: specified new message content is the same');
    expect([same.badRequest, same.notModified]).toEqual([true, true]);
  });

  it('is nothing for an error that is no Bot API answer', () => {
    expect(TelegramApiError.from(new Error('socket hang up'))).toBeUndefined();
    expect(TelegramApiError.from({ response: { error_code: 403 } })).toBeUndefined();
  });
});
