import { PassThrough } from 'node:stream';
import { readMessageForStream } from '../../../domain/messaging/read-for-stream.js';
import { subscribeMessageEvents, type MessageEvent } from '../../../domain/messaging/message-events.js';
import { unreadSummary } from '../../../domain/messaging/unread-summary.js';
import type { Actor } from '../../../domain/auth/actor.js';
import { AppError } from '../../../lib/errors.js';
import { onShutdown } from '../../../lib/shutdown.js';
import type { AppContext } from '../../route.js';

const KEEPALIVE_MS = 15_000;
const RETRY_MS = 3_000;
// setTimeout's limit; tokens living longer are re-checked when the client reconnects.
const MAX_TIMER_MS = 2_147_483_647;

/** Turns one NOTIFY event into the SSE frame for this recipient (re-reading the message), or nothing. */
async function frameFor(actor: Actor, event: MessageEvent): Promise<string | undefined> {
  if (event.type === 'read') {
    const data = {
      conversationId: event.conversationId,
      userId: event.userId,
      lastReadMessageId: event.messageId,
    };
    return `event: read\ndata: ${JSON.stringify(data)}\n\n`;
  }
  const message = await readMessageForStream(actor, event.messageId);
  return message ? `id: ${message.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n` : undefined;
}

/**
 * `GET /messages/stream`: Server-Sent Events for the caller's conversations — `message` (a new or
 * deleted message, re-read for this recipient), `read` (a participant's read position moved) and
 * `resync` (data: the unread summary) on connect and whenever events may have been missed (the
 * LISTEN connection was re-established); a reconnecting client (Last-Event-ID) reloads from it.
 * Fed by the process's one LISTEN connection; ends when the client leaves, the token expires, or on
 * SIGTERM. Events are written in the order they were notified.
 */
export async function streamMessages(ctx: AppContext): Promise<void> {
  const actor = ctx.state.actor!;
  const out = new PassThrough();
  let ended = false;
  let chain: Promise<void> = Promise.resolve();
  const write = (chunk: string | undefined) => {
    if (chunk && !ended) out.write(chunk);
  };
  const enqueue = (frame: () => Promise<string | undefined>) => {
    chain = chain
      .then(async () => write(ended ? undefined : await frame()))
      .catch((err) => ctx.state.log?.warn({ err }, 'message stream could not deliver an event'));
  };
  const resync = () =>
    enqueue(async () => `event: resync\ndata: ${JSON.stringify(await unreadSummary(actor))}\n\n`);
  const sub = subscribeMessageEvents(actor, {
    onEvent: (event) => enqueue(() => frameFor(actor, event)),
    onResync: resync,
  });
  try {
    await sub.ready;
  } catch (err) {
    sub.unsubscribe();
    ctx.state.log?.warn({ err }, 'message stream could not start listening');
    throw new AppError(
      503,
      'message_stream_unavailable',
      'Live messages are unavailable right now; try again shortly.',
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
  resync();
}
