import { createPaidGenerationActivities } from '../../src/activities/chat/paid-generations';
import type { Database } from '../../src/db/client';
import { newGenerationJob, UnknownKindError } from '../../src/generation/request';

const prices = { image: 5, text: 1 };

describe('newGenerationJob', () => {
  it('makes the job of (user, key): its id, its price, what was asked', () => {
    expect(newGenerationJob(prices, { userId: 'u1', kind: 'image', prompt: 'a cat' }, 'key-1')).toEqual({
      id: 'generation:u1:key-1',
      userId: 'u1',
      kind: 'image',
      prompt: 'a cat',
      params: {},
      cost: 5,
      idempotencyKey: 'key-1',
      requestHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      botId: undefined,
      chatId: undefined,
    });
  });

  it('refuses a kind without a price', () => {
    expect(() => newGenerationJob(prices, { userId: 'u1', kind: 'video', prompt: 'x' }, 'k')).toThrow(UnknownKindError);
  });

  it('hashes what was asked, whatever the order of its params, and nothing else', () => {
    const hash = (body: Parameters<typeof newGenerationJob>[1], key = 'k') => newGenerationJob(prices, body, key).requestHash;
    const asked = { userId: 'u1', kind: 'image', prompt: 'a cat', params: { size: 512, style: 'ink' } };
    expect(hash({ ...asked, params: { style: 'ink', size: 512 } })).toBe(hash(asked));
    expect(hash(asked, 'another key')).toBe(hash(asked));
    expect(hash({ ...asked, prompt: 'a dog' })).not.toBe(hash(asked));
    expect(hash({ ...asked, chat: { botId: 'b1', chatId: '42' } })).not.toBe(hash(asked));
  });

  it('is the job action.generation starts: the same as the API builds for that chat', async () => {
    const activities = createPaidGenerationActivities({
      db: {} as Database,
      config: {
        GENERATION_PRICES: prices,
        TEMPORAL_TASK_QUEUE: 'bots',
        GENERATION_HEARTBEAT_TIMEOUT_MS: 1_000,
        GENERATION_ATTEMPT_TIMEOUT_MS: 2_000,
        GENERATION_MAX_ATTEMPTS: 3,
      },
    });
    const prepared = await activities.prepareGeneration({
      botId: 'b1',
      chatId: '42',
      userId: 'u1',
      kind: 'text',
      prompt: 'hi',
      key: 'chat-key',
    });
    expect(prepared).toEqual({
      workflowId: 'generation:u1:chat-key',
      taskQueue: 'bots',
      input: {
        job: newGenerationJob(prices, { userId: 'u1', kind: 'text', prompt: 'hi', chat: { botId: 'b1', chatId: '42' } }, 'chat-key'),
        policy: { heartbeatTimeoutMs: 1_000, attemptTimeoutMs: 2_000, maxAttempts: 3 },
      },
    });
    expect(await activities.prepareGeneration({ botId: 'b1', chatId: '42', userId: 'u1', kind: 'video', prompt: 'hi', key: 'k' })).toEqual({
      unknownKind: 'video',
    });
  });
});
