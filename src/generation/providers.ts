import type { Config } from '../config';
import { createAnthropicProvider } from './anthropic-provider';
import { createFakeProvider } from './fake-provider';
import type { GenerationProvider } from './provider';

/** The provider GENERATION_PROVIDER names, configured from the environment. */
export function providerFromConfig(config: Config): GenerationProvider {
  switch (config.GENERATION_PROVIDER) {
    case 'fake':
      return createFakeProvider({ latencyMs: config.FAKE_PROVIDER_LATENCY_MS, failureRate: config.FAKE_PROVIDER_FAILURE_RATE });
    case 'anthropic':
      return createAnthropicProvider({
        apiKey: config.ANTHROPIC_API_KEY as string,
        baseUrl: config.ANTHROPIC_BASE_URL,
        model: config.ANTHROPIC_MODEL,
        maxTokens: config.ANTHROPIC_MAX_TOKENS,
      });
  }
}
