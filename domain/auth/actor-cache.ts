import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import type { Logger } from '../../lib/logger.js';
import { PgListener } from '../../lib/pg-listener.js';
import { services } from '../../lib/services.js';
import { onShutdown } from '../../lib/shutdown.js';
import type { Actor } from './actor.js';

/** The NOTIFY channel the `notify_actor_change` triggers publish a user id on. */
export const ACTOR_CHANNEL = 'actor_changes';

export interface ActorCacheOptions {
  /** Connection string to LISTEN with (a function is called when the first lookup arrives). */
  connectionString: string | (() => string);
  logger: Logger;
  /** Tokens kept; the oldest entry goes first. (Default: 10000) */
  maxEntries?: number;
  /**
   * Longest time an entry is trusted, the bound when a LISTEN connection dies without the process
   * noticing (no TCP reset). (Default: 60000 ms)
   */
  maxAgeMs?: number;
}

interface Entry {
  actor: Actor;
  userId: string;
  /** Token expiry (ms since epoch); the cache never outlives the token. */
  expMs: number;
  loadedAt: number;
}

/**
 * The verified actor of each bearer token, kept in memory so that an authenticated request costs
 * no database round trip after the token's first one.
 *
 * Correctness rests on LISTEN/NOTIFY: triggers on `users`, `revoked_tokens` and `patients` publish
 * the user id on {@link ACTOR_CHANNEL} whenever a logout, password change or reset, status, role or
 * patient-profile change commits, and every process drops that user's entries when the message
 * arrives (milliseconds after the commit). While this process is not listening (start-up, a lost
 * connection) the cache is bypassed, and it is emptied when listening resumes, because notifications
 * sent in between are lost. A lookup that overlapped an invalidation is not stored, so a stale row
 * read just before a revocation committed can never outlive the notification.
 */
export class ActorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly listener: PgListener;
  private readonly unsubscribe: () => void;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  /** Bumped on every invalidation; a lookup that started under an older value is not stored. */
  private epoch = 0;
  private readonly invalidationHooks = new Set<(userId: string | null) => void>();

  constructor(opts: ActorCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.listener = new PgListener({
      connectionString: opts.connectionString,
      channels: [ACTOR_CHANNEL],
      logger: opts.logger,
    });
    this.unsubscribe = this.listener.subscribe({
      channel: ACTOR_CHANNEL,
      onMessage: (userId) => this.invalidate(userId),
      onResync: () => this.invalidate(null),
    });
  }

  /** Resolves once notifications are being received (before that every lookup goes to the database). */
  ready(timeoutMs?: number): Promise<void> {
    return this.listener.listening(timeoutMs);
  }

  /** Number of tokens held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The actor of `token`: from memory when this process holds a current entry, else from `load`
   * (which verifies the token and reads its user, and throws for a bad or revoked one). Returns a
   * copy the caller may change.
   */
  async get(token: string, load: (token: string) => Promise<Actor>): Promise<Actor> {
    const now = Date.now();
    const listening = this.listener.isListening;
    const hit = listening ? this.entries.get(token) : undefined;
    if (hit && hit.expMs > now && now - hit.loadedAt < this.maxAgeMs) return { ...hit.actor };
    if (hit) this.remove(token);
    const epoch = this.epoch;
    const actor = await load(token);
    if (listening && this.listener.isListening && epoch === this.epoch) this.store(token, actor, now);
    return { ...actor };
  }

  /** Drops one user's entries, or all entries when `userId` is null. */
  invalidate(userId: string | null): void {
    this.epoch += 1;
    if (userId === null) {
      this.entries.clear();
      this.byUser.clear();
    } else {
      for (const token of this.byUser.get(userId) ?? []) this.entries.delete(token);
      this.byUser.delete(userId);
    }
    for (const hook of this.invalidationHooks) hook(userId);
  }

  /** Calls `fn` after every invalidation (user id, or null for all); returns the unsubscribe function. */
  onInvalidate(fn: (userId: string | null) => void): () => void {
    this.invalidationHooks.add(fn);
    return () => this.invalidationHooks.delete(fn);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.entries.clear();
    this.byUser.clear();
    await this.listener.close();
  }

  private store(token: string, actor: Actor, now: number): void {
    const expMs = actor.tokenExpiresAt?.getTime();
    if (expMs === undefined) return;
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    const { ip: _ip, requestId: _requestId, ...clean } = actor;
    this.entries.set(token, { actor: clean, userId: actor.userId, expMs, loadedAt: now });
    let tokens = this.byUser.get(actor.userId);
    if (!tokens) this.byUser.set(actor.userId, (tokens = new Set()));
    tokens.add(token);
  }

  private remove(token: string): void {
    const e = this.entries.get(token);
    if (!e) return;
    this.entries.delete(token);
    const tokens = this.byUser.get(e.userId);
    tokens?.delete(token);
    if (tokens?.size === 0) this.byUser.delete(e.userId);
  }
}

let processCache: ActorCache | undefined;

/**
 * The connection string of the process's database, read from the Knex pool's configuration (also
 * right for the embedded database, when DATABASE_URL is unset).
 */
function listenConnectionString(): string {
  const conn = (db().client as { config: Knex.Config }).config.connection as
    string | { connectionString?: string } | undefined;
  const url = typeof conn === 'string' ? conn : conn?.connectionString;
  if (!url) throw new Error('the database connection has no connection string to LISTEN with');
  return url;
}

/** The process's actor cache, created (and its LISTEN connection opened) on first use. */
export function actorCache(): ActorCache {
  if (!processCache) {
    const created = new ActorCache({ connectionString: listenConnectionString, logger: services().logger });
    processCache = created;
    onShutdown(async () => {
      if (processCache === created) processCache = undefined;
      await created.close();
    });
  }
  return processCache;
}

/** `load(token)` through the process's actor cache. */
export function cachedActor(token: string, load: (token: string) => Promise<Actor>): Promise<Actor> {
  return actorCache().get(token, load);
}

/**
 * Drops a user's entries in this process at once, for the domain functions that revoke (logout,
 * password change and reset, status change): the NOTIFY reaches this process too, but only a few
 * milliseconds after the commit, and the caller's next request must already be refused.
 */
export function actorChanged(userId: string): void {
  processCache?.invalidate(userId);
}
