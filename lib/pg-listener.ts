import pg from 'pg';
import type { Logger } from './logger.js';

export interface PgListenerOptions {
  /** Connection string, or a function that gives it when the first subscriber arrives. */
  connectionString: string | (() => string);
  /** Channel to `LISTEN` on; a plain lower-case identifier. */
  channel: string;
  logger: Logger;
  /** First reconnect delay; doubles per failed attempt up to 30 s. (Default: 500) */
  reconnectDelayMs?: number;
}

export interface PgSubscriber {
  /** Called with the payload of every notification on the channel. */
  onMessage: (payload: string) => void;
  /** Called after the connection was lost and re-established: notifications in between are lost. */
  onResync?: () => void;
}

const MAX_DELAY_MS = 30_000;

/**
 * One dedicated PostgreSQL connection (never from the query pool) that `LISTEN`s on a channel and
 * fans each notification out to in-process subscribers.
 *
 * It connects lazily on the first subscriber and disconnects when the last one leaves, so a process
 * without listeners holds no extra connection. A lost connection is re-established with backoff and
 * subscribers are told to resync, because NOTIFY does not replay what was sent while nobody listened.
 */
export class PgListener {
  private readonly subscribers = new Set<PgSubscriber>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly baseDelay: number;

  constructor(private readonly opts: PgListenerOptions) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.channel))
      throw new Error(`invalid channel name ${opts.channel}`);
    this.baseDelay = opts.reconnectDelayMs ?? 500;
  }

  /** Number of in-process subscribers. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Whether `LISTEN` is active right now. */
  get isListening(): boolean {
    return this.client !== undefined && this.connecting === undefined;
  }

  /** Adds a subscriber (connecting if it is the first); returns the function that removes it. */
  subscribe(sub: PgSubscriber): () => void {
    if (this.closed) throw new Error('the listener is closed');
    this.subscribers.add(sub);
    if (!this.client && !this.connecting && !this.retryTimer) void this.connect();
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.disconnect();
    };
  }

  /**
   * Resolves once `LISTEN` is active, so a caller can promise its client that nothing committed
   * from now on is missed. Rejects after `timeoutMs`.
   */
  listening(timeoutMs = 5_000): Promise<void> {
    if (this.isListening) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`LISTEN ${this.opts.channel} is not active after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Disconnects for good and drops every subscriber. */
  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    const failed = this.waiters;
    this.waiters = [];
    failed.forEach((w) => w.reject(new Error('the listener is closed')));
    this.disconnect();
    await this.connecting?.catch(() => {});
  }

  private connect(): Promise<void> {
    const connectionString =
      typeof this.opts.connectionString === 'function'
        ? this.opts.connectionString()
        : this.opts.connectionString;
    const client = new pg.Client({
      connectionString,
      application_name: `clinicflow-listen-${this.opts.channel}`,
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (err) this.opts.logger.warn({ err, channel: this.opts.channel }, 'LISTEN connection lost');
      this.scheduleReconnect();
    };
    // An idle client's socket error must never become an unhandled 'error' event (process crash).
    client.on('error', (err) => lost(err));
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel !== this.opts.channel || msg.payload === undefined) return;
      for (const sub of [...this.subscribers]) {
        try {
          sub.onMessage(msg.payload);
        } catch (err) {
          this.opts.logger.error({ err, channel: this.opts.channel }, 'subscriber failed on a notification');
        }
      }
    });
    this.client = client;
    const wasReconnect = this.attempt > 0;
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${this.opts.channel}`);
        if (this.client !== client) return;
        this.connecting = undefined;
        this.attempt = 0;
        const ready = this.waiters;
        this.waiters = [];
        ready.forEach((w) => w.resolve());
        if (wasReconnect) {
          this.opts.logger.info({ channel: this.opts.channel }, 'LISTEN connection re-established');
          for (const sub of [...this.subscribers]) sub.onResync?.();
        }
      } catch (err) {
        if (this.client !== client) return;
        this.connecting = undefined;
        lost(err as Error);
      }
    })();
    return this.connecting;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.subscribers.size === 0 || this.retryTimer) return;
    const delay = Math.min(MAX_DELAY_MS, this.baseDelay * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed && this.subscribers.size > 0 && !this.client) void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private disconnect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt = 0;
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    if (client) {
      client.removeAllListeners('notification');
      client.end().catch(() => {});
    }
  }
}
