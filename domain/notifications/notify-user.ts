import type { Knex } from 'knex';
import { notificationColumns, type NotificationRow, type NotificationType } from './notification.js';

export interface NotifyUserInput {
  userId: string;
  type: NotificationType;
  title: string;
  body?: string | null;
  /** Ids a client needs to open the subject (`{appointmentId}`); never secrets or clinical text. */
  data?: Record<string, unknown>;
  /**
   * The business event, e.g. `appointment_confirmed:<id>:patient`. A second call with the same key
   * adds nothing, so a retried job never notifies twice.
   */
  dedupeKey?: string;
}

/**
 * Adds an in-app notification for a user on the caller's transaction, so it appears exactly when
 * the change it describes commits. Returns the new row, or null when `dedupeKey` was already used.
 */
export async function notifyUser(
  trx: Knex | Knex.Transaction,
  input: NotifyUserInput,
): Promise<NotificationRow | null> {
  const rows = (await trx('notifications')
    .insert({
      userId: input.userId,
      type: input.type,
      title: input.title.slice(0, 200),
      body: input.body ?? null,
      data: JSON.stringify(input.data ?? {}),
      dedupeKey: input.dedupeKey ?? null,
    })
    .onConflict('dedupeKey')
    .ignore()
    .returning(notificationColumns(trx) as string[])) as NotificationRow[];
  return rows[0] ?? null;
}
