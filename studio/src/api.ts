/**
 * The studio's only way to the server: the API with the signed-in token as a bearer header (so
 * the token never appears in a URL, a log line or the browser history). Error answers become
 * `ApiProblem`s carrying the API's `{error: {code, message, details}}`.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

export interface Answer<T> {
  status: number;
  body: T;
  /** The `ETag` header, where the route sends one (a flow's draft). */
  etag: string | null;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Api {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<Answer<T>>;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  /**
   * Server-sent events from `path` (fetch, not EventSource: EventSource cannot send a header).
   * `headers`: e.g. `Last-Event-ID`, to resume where a dropped stream stopped.
   */
  stream(
    path: string,
    onEvent: (event: { event: string; data: string; id?: string }) => void,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<void>;
}

export function createApi(token: string): Api {
  const auth = { authorization: `Bearer ${token}` };

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const response = await fetch(path, {
      method,
      headers: {
        ...auth,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new ApiProblem(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `${method} ${path}: HTTP ${response.status}`,
        error?.details,
      );
    }
    return { status: response.status, body: body as T, etag: response.headers.get('etag') };
  }

  async function stream(
    path: string,
    onEvent: (event: { event: string; data: string; id?: string }) => void,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(path, { headers: { ...headers, ...auth, accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw new ApiProblem(response.status, 'stream_refused', text || `HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: { event: string; data: string; id?: string } = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') event.id = value;
        }
        if (data.length > 0) {
          event.data = data.join('\n');
          onEvent(event);
        }
      }
    }
  }

  return {
    request,
    get: async <T>(path: string, options?: RequestOptions) => (await request<T>('GET', path, options)).body,
    stream,
  };
}
