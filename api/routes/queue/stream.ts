import { subscribeQueueChanges } from '../../../domain/queue/queue-events.js';
import { AppError } from '../../../lib/errors.js';
import type { StreamQueueQuery } from '../../../domain/queue/schemas.js';
import type { RouteContext } from '../../route.js';
import { openStream } from '../../streams/registry.js';

/**
 * `GET /queue/stream`: Server-Sent Events of every queue change the caller may see
 * (`event: queue`, data `{action, entry}`), fed by this process's LISTEN connection.
 *
 * `event: resync` tells the client that changes may have been missed (the database connection was
 * re-established) and it should reload `GET /queue`. The stream registry (api/streams/registry.ts)
 * limits streams per user, keeps the stream alive, and ends it (`event: end`) when the session is
 * revoked, the token expires, or the process shuts down; the client reconnects after `retry` ms.
 */
export async function streamQueue(
  ctx: RouteContext<undefined, typeof StreamQueueQuery, undefined, 'authenticated'>,
): Promise<void> {
  const actor = ctx.state.actor;
  const { doctorId } = ctx.state.query;
  await openStream(ctx, actor, {
    channel: 'queue',
    feed: async (stream) => {
      const sub = subscribeQueueChanges(
        actor,
        { doctorId },
        {
          onChange: (change) => stream.send('queue', change),
          onResync: () => stream.send('resync', {}),
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
      return sub.unsubscribe;
    },
  });
}
