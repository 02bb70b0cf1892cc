import crypto from 'node:crypto';
import {
  PermanentProviderError,
  TransientProviderError,
  type GenerationContext,
  type GenerationProvider,
  type GenerationRequest,
  type GenerationResult,
} from './provider';

export interface FakeProviderOptions {
  latencyMs: number;
  /** Probability of a transient failure per attempt, to exercise retries and refunds. */
  failureRate: number;
  random?: () => number;
}

/**
 * A deterministic stand-in for an AI model: the same prompt always yields the same text. Prompts
 * can ask for trouble on purpose: `[fail]` is a permanent refusal, `[hang]` stops heartbeating
 * and never answers (until cancelled), as a stuck process would.
 */
export function createFakeProvider(options: FakeProviderOptions): GenerationProvider {
  const random = options.random ?? Math.random;
  return {
    name: 'fake',
    async generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationResult> {
      if (request.prompt.includes('[fail]')) throw new PermanentProviderError('the fake provider refuses prompts containing [fail]');
      if (request.prompt.includes('[hang]')) return hang(context.signal);
      if (options.failureRate > 0 && random() < options.failureRate) {
        throw new TransientProviderError('the fake provider failed at random (FAKE_PROVIDER_FAILURE_RATE)');
      }
      const steps = 5;
      for (let step = 1; step <= steps; step++) {
        await sleep(options.latencyMs / steps, context.signal);
        // Progress after a wait; with no latency there is none to report (each heartbeat is a
        // round trip to Temporal that an instant answer does not need).
        if (options.latencyMs > 0) context.heartbeat({ step, of: steps });
      }
      return { text: fakeText(request), model: 'fake-1' };
    },
  };
}

function fakeText(request: GenerationRequest): string {
  const digest = crypto.createHash('sha256').update(`${request.kind}\n${request.prompt}`).digest('hex').slice(0, 12);
  return `A ${request.kind} about "${request.prompt}" (#${digest}).`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
