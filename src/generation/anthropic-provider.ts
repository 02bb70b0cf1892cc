import {
  PermanentProviderError,
  TransientProviderError,
  type GenerationContext,
  type GenerationProvider,
  type GenerationRequest,
  type GenerationResult,
} from './provider';

export interface AnthropicOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  maxTokens: number;
  /** Per-request timeout; the activity's own timeouts bound the whole attempt. */
  requestTimeoutMs?: number;
}

interface MessagesResponse {
  model?: string;
  content?: { type: string; text?: string }[];
}

/**
 * Anthropic's Messages API. 429, 5xx and 529 (overloaded) are transient and honour `retry-after`;
 * any other 4xx is a permanent refusal, so the job is refunded instead of retried.
 */
export function createAnthropicProvider(options: AnthropicOptions): GenerationProvider {
  return {
    name: 'anthropic',
    async generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationResult> {
      // The HTTP call is one long wait; heartbeat on a timer while it is in flight.
      const beat = setInterval(() => context.heartbeat({ waiting: 'anthropic' }), 2_000);
      const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 120_000);
      try {
        let response: Response;
        try {
          response = await fetch(new URL('/v1/messages', options.baseUrl), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-api-key': options.apiKey,
              'anthropic-version': '2023-06-01',
            },
            body: JSON.stringify({
              model: options.model,
              max_tokens: options.maxTokens,
              messages: [{ role: 'user', content: request.prompt }],
            }),
            signal: AbortSignal.any([context.signal, timeout]),
          });
        } catch (err) {
          if (context.signal.aborted) throw err;
          throw new TransientProviderError(`request to Anthropic failed: ${(err as Error).message}`);
        }
        if (!response.ok) {
          const detail = (await response.text().catch(() => '')).slice(0, 300);
          const message = `Anthropic answered ${response.status}: ${detail}`;
          if (response.status === 429 || response.status >= 500) {
            const retryAfter = Number(response.headers.get('retry-after'));
            throw new TransientProviderError(message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
          }
          throw new PermanentProviderError(message);
        }
        const body = (await response.json()) as MessagesResponse;
        const text = (body.content ?? [])
          .filter((block) => block.type === 'text')
          .map((block) => block.text ?? '')
          .join('');
        if (!text) throw new PermanentProviderError('Anthropic returned no text content');
        return { text, model: body.model ?? options.model };
      } finally {
        clearInterval(beat);
      }
    },
  };
}
