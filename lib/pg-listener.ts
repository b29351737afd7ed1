import pg from 'pg';
import type { Logger } from './logger.js';

export interface PgListenerOptions {
  /** Connection string, or a function that gives it when the first subscriber arrives. */
  connectionString: string | (() => string);
  /** Channels to `LISTEN` on, all on the one connection; plain lower-case identifiers. */
  channels: readonly string[];
  logger: Logger;
  /** First reconnect delay; doubles per failed attempt up to 30 s. (Default: 500) */
  reconnectDelayMs?: number;
}

export interface PgSubscriber {
  /** The channel this subscriber hears; one of the listener's channels. */
  channel: string;
  /** Called with the payload of every notification on its channel. */
  onMessage: (payload: string) => void;
  /** Called after the connection was lost and re-established: notifications in between are lost. */
  onResync?: () => void;
}

const MAX_DELAY_MS = 30_000;

/**
 * One dedicated PostgreSQL connection (never from the query pool) that `LISTEN`s on a few channels
 * and fans each notification out to the in-process subscribers of its channel.
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
    if (opts.channels.length === 0) throw new Error('a listener needs at least one channel');
    for (const channel of opts.channels)
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
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
    if (!this.opts.channels.includes(sub.channel)) throw new Error(`not listening on ${sub.channel}`);
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
        reject(new Error(`LISTEN ${this.opts.channels.join(', ')} is not active after ${timeoutMs} ms`));
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
    let connectionString: string;
    try {
      connectionString =
        typeof this.opts.connectionString === 'function'
          ? this.opts.connectionString()
          : this.opts.connectionString;
    } catch (err) {
      // E.g. the process's database pool was closed before its listener: retrying later must not
      // become an uncaught exception in a timer (a process crash).
      this.opts.logger.warn({ err, channels: this.opts.channels }, 'LISTEN connection string unavailable');
      this.scheduleReconnect();
      return Promise.resolve();
    }
    const client = new pg.Client({
      connectionString,
      application_name: 'clinicflow-listen',
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (err) this.opts.logger.warn({ err, channels: this.opts.channels }, 'LISTEN connection lost');
      this.scheduleReconnect();
    };
    // An idle client's socket error must never become an unhandled 'error' event (process crash).
    client.on('error', (err) => lost(err));
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.payload === undefined) return;
      for (const sub of [...this.subscribers]) {
        if (sub.channel !== msg.channel) continue;
        try {
          sub.onMessage(msg.payload);
        } catch (err) {
          this.opts.logger.error({ err, channel: msg.channel }, 'subscriber failed on a notification');
        }
      }
    });
    this.client = client;
    const wasReconnect = this.attempt > 0;
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(this.opts.channels.map((c) => `LISTEN ${c};`).join(' '));
        if (this.client !== client) return;
        this.connecting = undefined;
        this.attempt = 0;
        const ready = this.waiters;
        this.waiters = [];
        ready.forEach((w) => w.resolve());
        if (wasReconnect) {
          this.opts.logger.info({ channels: this.opts.channels }, 'LISTEN connection re-established');
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
