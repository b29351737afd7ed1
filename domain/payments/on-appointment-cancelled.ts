import type { Knex } from 'knex';

/**
 * Runs inside the transaction that cancels (or rejects) an appointment; queues a refund when it was paid.
 *
 * Placeholder owned by the payments area (issue #5), which replaces this body; scheduling only
 * guarantees to call it once per cancellation, with the row as it is after the status change.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export async function onAppointmentCancelled(trx: Knex.Transaction, appointment: { id: string; paymentStatus: string; startsAt: Date | string; status: string }): Promise<void> {}
