import { SendRateLimiter } from '../../src/telegram/rate-limiter';

/** Replies are not delayed until a chat or bot goes over Telegram's pace. */
describe('send rate limits', () => {
  it('lets a burst through at once, then paces a chat at its rate', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new SendRateLimiter({ botPerSecond: 30, chatBurst: 3, chatPerSecond: 1, groupPerMinute: 20 }, () => now);
    const realTimeout = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      waits.push(ms);
      return realTimeout(fn, 0);
    }) as typeof setTimeout);
    for (let i = 0; i < 5; i++) await limiter.acquire('bot', 'chat', false);
    jest.restoreAllMocks();
    expect(waits).toEqual([1000, 2000]);
    now = 10_000;
    const other = new SendRateLimiter({ botPerSecond: 30, chatBurst: 3, chatPerSecond: 1, groupPerMinute: 20 }, () => now);
    await other.acquire('bot', 'another-chat', false);
  });
});
