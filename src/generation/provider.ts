/**
 * What a generation provider is asked, and how it reports trouble. A provider owns its heartbeats:
 * a fake that "hangs" must be able to stop them, as a stuck real process would.
 */
export interface GenerationRequest {
  jobId: string;
  kind: string;
  prompt: string;
  params: Record<string, unknown>;
}

export interface GenerationResult {
  text: string;
  model: string;
}

export interface GenerationContext {
  /** Tells Temporal the attempt is alive; without it, the heartbeat timeout hands the job to another attempt. */
  heartbeat(details?: unknown): void;
  /** Aborted when the attempt is cancelled (job cancelled, or its heartbeat found it timed out). */
  signal: AbortSignal;
  attempt: number;
}

export interface GenerationProvider {
  readonly name: string;
  generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationResult>;
}

/** The provider refused the request for good (bad request, policy): retrying cannot help. */
export class PermanentProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentProviderError';
  }
}

/** A failure worth retrying (rate limit, overload, network); `retryAfterMs` when the provider said. */
export class TransientProviderError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TransientProviderError';
  }
}
