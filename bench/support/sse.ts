/**
 * A minimal Server-Sent Events client for benches: one GET over a fresh connection (no pooling),
 * events parsed as the SSE format says (id, event, data, comments, blank line dispatches), each
 * stamped with the moment its bytes arrived, on the bench's own clock.
 */
import http from 'node:http';

export interface SseEvent {
  /** The `id:` field, if the event had one. */
  id: string | undefined;
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines, joined with '\n'. */
  data: string;
  /** Clock time when the chunk holding the end of this event arrived. */
  receivedAt: number;
}

export class SseStream {
  readonly events: SseEvent[] = [];
  /** HTTP status and content type of the answer, once it came. */
  status: number | undefined;
  contentType: string | undefined;
  /** The stream ended (server closed it, or close() was called) or failed. */
  ended = false;
  error: string | undefined;
  /** Resolves when the response headers arrived; rejects when the request fails first. */
  readonly opened: Promise<void>;
  private readonly request: http.ClientRequest;
  private readonly listeners = new Set<(event: SseEvent) => void>();
  private buffer = '';
  private pending: { id: string | undefined; event: string; data: string[] } = { id: undefined, event: 'message', data: [] };
  private closedByUs = false;

  constructor(
    url: string,
    headers: Record<string, string>,
    private readonly clock: () => number,
  ) {
    let resolveOpened: () => void = () => undefined;
    let rejectOpened: (err: Error) => void = () => undefined;
    this.opened = new Promise<void>((resolve, reject) => {
      resolveOpened = resolve;
      rejectOpened = reject;
    });
    // An unobserved rejection must not crash the bench: callers await `opened` when they care.
    this.opened.catch(() => undefined);
    this.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      this.status = res.statusCode;
      this.contentType = res.headers['content-type'];
      resolveOpened();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.collect(chunk, this.clock()));
      res.on('end', () => (this.ended = true));
      res.on('error', (err) => this.fail(err));
    });
    this.request.on('error', (err) => {
      this.fail(err);
      rejectOpened(err);
    });
  }

  private fail(err: Error): void {
    this.ended = true;
    if (!this.closedByUs) this.error ??= err.message;
  }

  /** Calls `listener` for every event from now on. */
  onEvent(listener: (event: SseEvent) => void): void {
    this.listeners.add(listener);
  }

  private collect(chunk: string, receivedAt: number): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      this.line(line, receivedAt);
    }
  }

  private line(line: string, receivedAt: number): void {
    if (line === '') {
      const { id, event, data } = this.pending;
      this.pending = { id: undefined, event: 'message', data: [] };
      if (data.length === 0) return;
      const parsed: SseEvent = { id, event, data: data.join('\n'), receivedAt };
      this.events.push(parsed);
      for (const listener of this.listeners) listener(parsed);
      return;
    }
    if (line.startsWith(':')) return; // A comment.
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.pending.data.push(value);
    else if (field === 'id') this.pending.id = value;
    else if (field === 'event') this.pending.event = value;
  }

  /** Disconnects (the server sees the close and ends its loop). */
  close(): void {
    this.closedByUs = true;
    this.request.destroy();
    this.ended = true;
  }
}
