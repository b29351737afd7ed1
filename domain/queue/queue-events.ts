import type { Knex } from 'knex';
import { NOTIFY_CHANNELS, processListener } from '../../db/listener.js';
import type { Actor } from '../auth/actor.js';
import {
  canSeeQueueEntry,
  toQueueEntryView,
  type QueueEntryRow,
  type QueueEntryView,
} from './queue-entry.js';

/** The NOTIFY channel every queue change is published on. */
export const QUEUE_CHANNEL = NOTIFY_CHANNELS.queue;

/** One change of the queue, as published on {@link QUEUE_CHANNEL} and sent to SSE clients. */
export interface QueueChange {
  action: 'created' | 'updated';
  entry: QueueEntryView;
}

/**
 * Publishes a queue change with `pg_notify` on the writing transaction: PostgreSQL delivers it to
 * every listening process only when the transaction commits, and never after a rollback.
 */
export async function publishQueueChange(
  trx: Knex.Transaction,
  action: QueueChange['action'],
  row: QueueEntryRow,
) {
  const change: QueueChange = { action, entry: toQueueEntryView(row) };
  await trx.raw('select pg_notify(?, ?)', [QUEUE_CHANNEL, JSON.stringify(change)]);
}

export interface QueueSubscription {
  /** Resolves once this process is listening, so every change committed afterwards is delivered. */
  ready: Promise<void>;
  unsubscribe: () => void;
}

/**
 * Subscribes to queue changes this actor may see, optionally only one doctor's queue.
 * `onResync` fires when the database connection was lost and re-established: changes may have been
 * missed, so the client should reload the list.
 */
export function subscribeQueueChanges(
  actor: Actor,
  filter: { doctorId?: string },
  handlers: { onChange: (change: QueueChange) => void; onResync: () => void },
): QueueSubscription {
  const l = processListener();
  const unsubscribe = l.subscribe({
    channel: QUEUE_CHANNEL,
    onMessage: (payload) => {
      let change: QueueChange;
      try {
        change = JSON.parse(payload) as QueueChange;
      } catch {
        return;
      }
      if (!change?.entry) return;
      if (filter.doctorId && change.entry.doctorId !== filter.doctorId) return;
      if (!canSeeQueueEntry(actor, change.entry)) return;
      handlers.onChange(change);
    },
    onResync: handlers.onResync,
  });
  return { ready: l.listening(), unsubscribe };
}
