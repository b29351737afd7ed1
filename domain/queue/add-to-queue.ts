import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { publishQueueChange } from './queue-events.js';
import { clinicToday, GENERAL_QUEUE_KEY, QUEUE_COLUMNS, type QueueEntryRow } from './queue-entry.js';

export interface AddToQueueInput {
  patientId: string;
  /** The doctor's queue; absent for the general queue (doctors: their own queue). */
  doctorId?: string;
}

/**
 * Adds a patient to today's queue (of a doctor, or the general queue) and returns the entry with
 * the next number of that queue.
 *
 * Numbers come from `queue_counters`, incremented in this transaction: its row lock serialises
 * concurrent adds, and a failed add rolls its number back, so numbers are unique and gap-free; the
 * unique index on (day, queue, number) guarantees it. A patient already WAITING or IN_PROGRESS in the
 * same queue today answers 409 `duplicate`. Doctors add patients they care for, to their own queue.
 */
export async function addToQueue(actor: Actor, input: AddToQueueInput): Promise<QueueEntryRow> {
  let doctorId = input.doctorId ?? null;
  if (actor.role === 'doctor') {
    doctorId ??= actor.userId;
    if (doctorId !== actor.userId)
      throw new ForbiddenError('forbidden', 'Doctors add patients to their own queue only.');
  }
  // Checked before the transaction: a denial is audited on its own connection, and a transaction
  // waiting for a second pool connection can starve the pool under a burst of denied requests.
  await loadPatientFor(actor, input.patientId, 'demographics', 'read');
  return withTransaction(async (trx) => {
    if (doctorId) {
      const doctor = await trx('doctors')
        .join('users', 'users.id', 'doctors.id')
        .where('doctors.id', doctorId)
        .where('users.status', 'active')
        .first('doctors.id');
      if (!doctor) throw new NotFoundError('doctor');
    }
    const clinicDate = clinicToday(services().config.clinicTimeZone);
    const counter = await trx.raw(
      `insert into queue_counters (clinic_date, doctor_key, last_number) values (?, ?, 1)
       on conflict (clinic_date, doctor_key) do update set last_number = queue_counters.last_number + 1
       returning last_number as "lastNumber"`,
      [clinicDate, doctorId ?? GENERAL_QUEUE_KEY],
    );
    const number = (counter.rows as { lastNumber: number }[])[0].lastNumber;
    const [row] = (await trx('queueEntries')
      .insert({ clinicDate, doctorId, number, patientId: input.patientId, createdBy: actor.userId })
      .returning([...QUEUE_COLUMNS])) as QueueEntryRow[];
    await publishQueueChange(trx, 'created', row);
    return row;
  });
}
