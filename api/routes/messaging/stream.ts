import { readMessageForStream } from '../../../domain/messaging/read-for-stream.js';
import { subscribeMessageEvents, type MessageEvent } from '../../../domain/messaging/message-events.js';
import { unreadSummary } from '../../../domain/messaging/unread-summary.js';
import type { Actor } from '../../../domain/auth/actor.js';
import { AppError } from '../../../lib/errors.js';
import type { RouteContext } from '../../route.js';
import type { StreamQuery } from './schemas.js';
import { openStream, type SseStream } from '../../streams/registry.js';

/** Sends one NOTIFY event to this recipient (re-reading the message, which NOTIFY never carries). */
async function deliver(stream: SseStream, actor: Actor, event: MessageEvent): Promise<void> {
  if (event.type === 'read') {
    stream.send('read', {
      conversationId: event.conversationId,
      userId: event.userId,
      lastReadMessageId: event.messageId,
    });
    return;
  }
  const message = await readMessageForStream(actor, event.messageId);
  if (message) stream.send('message', message);
}

/**
 * `GET /messages/stream`: Server-Sent Events for the caller's conversations — `message` (a new or
 * deleted message, re-read for this recipient), `read` (a participant's read position moved) and
 * `resync` (data: the unread summary) on connect and whenever events may have been missed (the
 * LISTEN connection was re-established). Fed by the process's one LISTEN connection; the stream
 * registry (api/streams/registry.ts) limits streams per user and ends them when the session is
 * revoked, the token expires or the process shuts down. Events are sent in the order notified.
 */
export async function streamMessages(
  ctx: RouteContext<undefined, typeof StreamQuery, undefined, 'authenticated'>,
): Promise<void> {
  const actor = ctx.state.actor;
  await openStream(ctx, actor, {
    channel: 'messages',
    feed: async (stream) => {
      let chain: Promise<void> = Promise.resolve();
      const enqueue = (work: () => Promise<void>) => {
        chain = chain
          .then(() => (stream.closed ? undefined : work()))
          .catch((err) => ctx.state.log?.warn({ err }, 'message stream could not deliver an event'));
      };
      const resync = () => enqueue(async () => stream.send('resync', await unreadSummary(actor)));
      const sub = subscribeMessageEvents(actor, {
        onEvent: (event) => enqueue(() => deliver(stream, actor, event)),
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
      resync();
      return sub.unsubscribe;
    },
  });
}
