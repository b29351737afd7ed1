import { PassThrough } from 'node:stream';
import { subscribeQueueChanges } from '../../../domain/queue/queue-events.js';
import { AppError } from '../../../lib/errors.js';
import { onShutdown } from '../../../lib/shutdown.js';
import type { StreamQueueQuery } from '../../../domain/queue/schemas.js';
import type { RouteContext } from '../../route.js';

const KEEPALIVE_MS = 15_000;
const RETRY_MS = 3_000;
// setTimeout's limit; tokens living longer are re-checked when the client reconnects.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * `GET /queue/stream`: Server-Sent Events of every queue change the caller may see
 * (`event: queue`, data `{action, entry}`), fed by this process's LISTEN connection.
 *
 * `event: resync` tells the client that changes may have been missed (the database connection was
 * re-established) and it should reload `GET /queue`. Comments keep proxies from closing an idle
 * stream. The stream ends when the client leaves, when the token expires, and on SIGTERM (the client
 * reconnects to another process after `retry` ms).
 */
export async function streamQueue(
  ctx: RouteContext<undefined, typeof StreamQueueQuery, undefined, 'authenticated'>,
): Promise<void> {
  const actor = ctx.state.actor;
  const { doctorId } = ctx.state.query;
  const out = new PassThrough();
  let ended = false;
  const write = (chunk: string) => {
    if (!ended) out.write(chunk);
  };
  const sub = subscribeQueueChanges(
    actor,
    { doctorId },
    {
      onChange: (change) => write(`event: queue\ndata: ${JSON.stringify(change)}\n\n`),
      onResync: () => write('event: resync\ndata: {}\n\n'),
    },
  );
  try {
    await sub.ready;
  } catch (err) {
    sub.unsubscribe();
    ctx.state.log?.warn({ err }, 'queue stream could not start listening');
    throw new AppError(
      503,
      'queue_stream_unavailable',
      'Live queue updates are unavailable right now; try again shortly.',
    );
  }

  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  const untilExpiry = actor.tokenExpiresAt ? actor.tokenExpiresAt.getTime() - Date.now() : MAX_TIMER_MS;
  const expiry = setTimeout(() => end(), Math.max(0, Math.min(untilExpiry, MAX_TIMER_MS)));
  const removeHook = onShutdown(() => end());
  function end(): void {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    clearTimeout(expiry);
    sub.unsubscribe();
    removeHook();
    out.end();
  }
  ctx.res.once('close', end);
  out.once('error', end);

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
  write(`retry: ${RETRY_MS}\n: connected\n\n`);
}
