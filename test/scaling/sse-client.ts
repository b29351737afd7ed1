/** One Server-Sent Event as received. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A minimal EventSource over fetch (no reconnect): collects every event of one stream so a test can
 * wait for specific ones, and tells how the stream ended (`'end'` = the server closed it cleanly).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** Resolves with `'end'` when the server ends the stream, or the error that broke it. */
  readonly closed: Promise<'end' | Error>;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private finished: 'end' | Error | undefined;

  private constructor(body: ReadableStream<Uint8Array>) {
    this.closed = this.read(body);
  }

  /** Opens the stream; resolves once the server answered 200 (for the queue stream: LISTEN is active). */
  static async open(url: string): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    if (res.status !== 200 || !res.body) {
      const text = await res.text();
      throw new Error(
        `SSE ${url.replace(/access_token=[^&]+/, 'access_token=…')} answered ${res.status}: ${text}`,
      );
    }
    const client = new SseClient(res.body);
    client.abort.signal.addEventListener('abort', () => abort.abort());
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<'end' | Error> {
    const decoder = new TextDecoder();
    const reader = body.getReader();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          this.parse(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
        }
      }
      this.finished = 'end';
    } catch (err) {
      this.finished = err as Error;
    }
    this.wake();
    return this.finished;
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    this.events.push({ event, data: data.join('\n') });
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((fn) => fn());
  }

  /** Waits for an event matching `match`; fails after `timeoutMs` or when the stream ends first. */
  async waitFor(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.finished !== undefined) throw new Error(`the SSE stream ended (${String(this.finished)})`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching SSE event within ${timeoutMs} ms (${this.events.length} seen)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}
