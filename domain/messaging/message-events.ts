import type { Knex } from 'knex';
import { NOTIFY_CHANNELS, processListener } from '../../db/listener.js';
import type { Actor } from '../auth/actor.js';

/**
 * A messaging event as published with NOTIFY: ids only, never message text (NOTIFY payloads are
 * visible to any session that LISTENs and show up in server logs). Streams re-read the message for
 * each recipient. `userIds` are the conversation's participants, so a process can tell which of its
 * streams an event is for without a query.
 */
export type MessageEvent =
  | { type: 'message'; conversationId: string; messageId: string; userIds: string[] }
  | { type: 'read'; conversationId: string; userId: string; messageId: string | null; userIds: string[] };

/** Publishes on the writing transaction: delivered to every web process when (and only if) it commits. */
export async function publishMessageEvent(trx: Knex.Transaction, event: MessageEvent): Promise<void> {
  await trx.raw('select pg_notify(?, ?)', [NOTIFY_CHANNELS.messages, JSON.stringify(event)]);
}

export interface MessageSubscription {
  /** Resolves once this process is listening, so every event committed afterwards is delivered. */
  ready: Promise<void>;
  unsubscribe: () => void;
}

/**
 * Subscribes to the messaging events of conversations `actor` takes part in, on the process's one
 * LISTEN connection. `onResync` fires when that connection was lost and re-established.
 */
export function subscribeMessageEvents(
  actor: Actor,
  handlers: { onEvent: (event: MessageEvent) => void; onResync: () => void },
): MessageSubscription {
  const l = processListener();
  const unsubscribe = l.subscribe({
    channel: NOTIFY_CHANNELS.messages,
    onMessage: (payload) => {
      let event: MessageEvent;
      try {
        event = JSON.parse(payload) as MessageEvent;
      } catch {
        return;
      }
      if (!Array.isArray(event?.userIds) || !event.userIds.includes(actor.userId)) return;
      handlers.onEvent(event);
    },
    onResync: handlers.onResync,
  });
  return { ready: l.listening(), unsubscribe };
}
