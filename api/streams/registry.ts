import { PassThrough } from 'node:stream';
import type { Actor } from '../../domain/auth/actor.js';
import {
  subscribeSessionRevocations,
  type RevocationSubscription,
} from '../../domain/auth/session-revocations.js';
import { isSessionCurrent } from '../../domain/auth/tokens.js';
import { AppError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { onShutdown } from '../../lib/shutdown.js';
import type { AppContext } from '../route.js';

// setTimeout's limit; tokens living longer are re-checked when the client reconnects.
const MAX_TIMER_MS = 2_147_483_647;

export interface OpenStreamOptions {
  /** What the stream carries (`queue`, `messages`), for logs. */
  channel: string;
  /** Reconnect delay suggested to the client (`retry:`). (Default: 3000) */
  retryMs?: number;
  /** Interval of comment lines that keep proxies from closing an idle stream. (Default: 15000) */
  keepaliveMs?: number;
  /**
   * Starts the stream's feed: subscribe to your source and call `stream.send` per event; resolve
   * once nothing published from now on can be missed, with the function that unsubscribes (it runs
   * when the stream ends). Throwing here (e.g. 503) answers the request with that error instead.
   */
  feed: (stream: SseStream) => Promise<(() => void) | void>;
}

/** Why a stream ended, as sent in its last event (`event: end`). */
export type EndReason = 'session_revoked' | 'token_expired' | 'shutting_down' | 'unavailable';

/** One open Server-Sent Events response. */
export interface SseStream {
  readonly channel: string;
  readonly actor: Actor;
  /** Whether the stream has ended (by the client, the server, or a revocation). */
  readonly closed: boolean;
  /** Sends one event (`event: <event>`, `data: <JSON>`); does nothing once closed. */
  send(event: string, data: unknown): void;
  /** Runs `fn` once when the stream ends, whatever ends it (unsubscribe your feeds here). */
  onClose(fn: () => void): void;
  /** Ends the stream; with a reason, `event: end` with `{reason}` goes out first. */
  close(reason?: EndReason): void;
}

/** The open streams of this process, by user id. */
const byUser = new Map<string, Set<SseStream>>();
let revocations: RevocationSubscription | undefined;
let removeShutdownHook: (() => void) | undefined;

const countOf = (userId: string) => byUser.get(userId)?.size ?? 0;

/** Number of streams open in this process (of one user, or of everyone). */
export function openStreamCount(userId?: string): number {
  if (userId) return countOf(userId);
  let n = 0;
  for (const set of byUser.values()) n += set.size;
  return n;
}

/** Closes the streams of `userId` (or of everyone) whose session no longer stands. */
async function recheck(userId?: string): Promise<void> {
  const streams = userId ? [...(byUser.get(userId) ?? [])] : [...byUser.values()].flatMap((s) => [...s]);
  // One query per distinct session, not per stream.
  const verdicts = new Map<string, Promise<boolean>>();
  await Promise.all(
    streams.map(async (stream) => {
      const key = `${stream.actor.userId}:${stream.actor.jti}`;
      if (!verdicts.has(key)) verdicts.set(key, isSessionCurrent(stream.actor));
      let current: boolean;
      try {
        current = await verdicts.get(key)!;
      } catch (err) {
        // The database is unreachable: the next revocation or resync checks again.
        services().logger.warn({ err }, 'could not re-check the session of an open stream');
        return;
      }
      if (!current) stream.close('session_revoked');
    }),
  );
}

function register(stream: SseStream): void {
  const set = byUser.get(stream.actor.userId) ?? new Set();
  set.add(stream);
  byUser.set(stream.actor.userId, set);
  if (!revocations) {
    revocations = subscribeSessionRevocations({
      onRevoked: (userId) => void recheck(userId),
      onResync: () => void recheck(),
    });
    // Observed here so a failed LISTEN is never an unhandled rejection; openStream awaits it too.
    revocations.ready.catch(() => {});
    removeShutdownHook = onShutdown(() => {
      for (const set of [...byUser.values()]) for (const s of [...set]) s.close('shutting_down');
    });
  }
}

function unregister(stream: SseStream): void {
  const set = byUser.get(stream.actor.userId);
  set?.delete(stream);
  if (set && set.size === 0) byUser.delete(stream.actor.userId);
  if (byUser.size === 0 && revocations) {
    revocations.unsubscribe();
    revocations = undefined;
    removeShutdownHook?.();
    removeShutdownHook = undefined;
  }
}

/**
 * Opens a Server-Sent Events response for `actor` and registers it, so that:
 * - a user holds at most SSE_MAX_STREAMS_PER_USER streams in this process (the next is 429
 *   `rate_limited`, before anything is streamed);
 * - the stream ends within moments when the user's session is revoked in any process (logout of
 *   this token, password change or reset, suspension, removal), announced by the database on the
 *   `session_revocations` channel; when the token expires; and on SIGTERM.
 *
 * It resolves once revocations are listened for (503 `stream_unavailable` if the database cannot
 * be reached) and `opts.feed` has subscribed, with headers and body set: the client then receives
 * `retry:` and `: connected`, and from that moment misses nothing. Errors before that (429, 401,
 * 503, or the feed's own) answer the request in the usual error envelope.
 */
export async function openStream(ctx: AppContext, actor: Actor, opts: OpenStreamOptions): Promise<SseStream> {
  const max = services().config.sseMaxStreamsPerUser;
  if (countOf(actor.userId) >= max) {
    throw new AppError(
      429,
      'rate_limited',
      `At most ${max} live streams per account are allowed; close one first.`,
      undefined,
      { 'Retry-After': String(Math.ceil((opts.retryMs ?? 3_000) / 1000)) },
    );
  }
  const out = new PassThrough();
  const closers: (() => void)[] = [];
  const timers: { keepalive?: NodeJS.Timeout; expiry?: NodeJS.Timeout } = {};
  let ended = false;
  const write = (chunk: string) => {
    if (!ended) out.write(chunk);
  };
  const stream: SseStream = {
    channel: opts.channel,
    actor,
    get closed() {
      return ended;
    },
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    onClose: (fn) => {
      if (ended) fn();
      else closers.push(fn);
    },
    close: (reason) => {
      if (ended) return;
      if (reason) write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
      ended = true;
      clearInterval(timers.keepalive);
      clearTimeout(timers.expiry);
      unregister(stream);
      for (const fn of closers.splice(0)) {
        try {
          fn();
        } catch (err) {
          ctx.state.log?.error({ err, channel: opts.channel }, 'stream close hook failed');
        }
      }
      out.end();
    },
  };
  // The slot is taken before the first await, so concurrent opens cannot exceed the limit.
  register(stream);
  try {
    await revocations!.ready;
  } catch (err) {
    stream.close();
    ctx.state.log?.warn({ err, channel: opts.channel }, 'stream could not start listening for revocations');
    throw new AppError(
      503,
      'stream_unavailable',
      'Live updates are unavailable right now; try again shortly.',
    );
  }
  // A revocation committed between authentication and LISTEN would otherwise go unnoticed.
  if (!(await isSessionCurrent(actor).catch(() => true))) {
    stream.close();
    throw new AppError(401, 'token_revoked', 'The token has been revoked; sign in again.');
  }
  // Nothing reaches the client before the handler returns, so this preamble goes out first.
  write(`retry: ${opts.retryMs ?? 3_000}\n: connected\n\n`);
  try {
    const stop = await opts.feed(stream);
    if (stop) stream.onClose(stop);
  } catch (err) {
    stream.close();
    throw err;
  }
  if (ended) return stream;

  timers.keepalive = setInterval(() => write(': keepalive\n\n'), opts.keepaliveMs ?? 15_000);
  const untilExpiry = actor.tokenExpiresAt ? actor.tokenExpiresAt.getTime() - Date.now() : MAX_TIMER_MS;
  timers.expiry = setTimeout(
    () => stream.close('token_expired'),
    Math.max(0, Math.min(untilExpiry, MAX_TIMER_MS)),
  );
  ctx.res.once('close', () => stream.close());
  out.once('error', () => stream.close());

  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.req.socket.setKeepAlive(true);
  ctx.set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  ctx.status = 200;
  ctx.body = out;
  return stream;
}
