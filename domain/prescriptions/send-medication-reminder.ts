import { DateTime } from 'luxon';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { deliverEmail } from '../email/deliver.js';
import { notifyUser } from '../notifications/notify-user.js';

/** A reminder whose dose is this many minutes in the past is skipped instead of sent late. */
export const REMINDER_LATE_MINUTES = 30;

export type ReminderOutcome = 'sent' | 'already_sent' | 'cancelled' | 'skipped' | 'missing';

interface ClaimedDose {
  id: string;
  prescriptionId: string;
  medicationIndex: number;
  doseAt: Date;
}

/** The email ledger key of one dose's reminder. */
export const reminderLedgerKey = (doseId: string) => `medication_reminder:${doseId}`;

/**
 * Sends the reminder of one dose at most once, however many jobs or workers run for it.
 *
 * 1. Claim: one `UPDATE … SET status = 'sent' WHERE status = 'scheduled'` joined with the checks
 *    that the prescription is active, reminders are on, and the dose belongs to its current
 *    version. PostgreSQL's row lock lets exactly one concurrent claimer match; the in-app
 *    notification is inserted in the same transaction (dedupe key = dose).
 * 2. Deliver: after the claim commits, the email goes through `deliverEmail` with ledger key
 *    `medication_reminder:<doseId>`. Any later run for a `sent` dose (a retry after an SMTP
 *    failure or a crash between claim and send) delivers again through the same ledger, so the
 *    email is sent once, or late after a crash, but never twice.
 * A dose that cannot be claimed is marked `cancelled` (prescription changed, reminders off) or `skipped`
 * (more than REMINDER_LATE_MINUTES late, or a patient with no active account and no email address)
 * so its history says why.
 */
export async function sendMedicationReminder(doseId: string): Promise<ReminderOutcome> {
  const knex = db();
  const claimed = await knex.transaction(async (trx) => {
    const { rows } = (await trx.raw(
      `update medication_doses d set status = 'sent', sent_at = now(), updated_at = now()
         from prescriptions p
        where d.id = ? and d.status = 'scheduled' and p.id = d.prescription_id
          and p.status = 'active' and p.reminders_enabled and p.version = d.prescription_version
          and d.dose_at > now() - make_interval(mins => ?)
       returning d.id, d.prescription_id as "prescriptionId", d.medication_index as "medicationIndex", d.dose_at as "doseAt"`,
      [doseId, REMINDER_LATE_MINUTES],
    )) as { rows: ClaimedDose[] };
    const dose = rows[0];
    if (!dose) return undefined;
    const ctx = await reminderContext(trx, dose);
    if (!ctx?.userId && !ctx?.email) {
      // No active account and no address: nothing can be delivered, and the history says so.
      await trx('medicationDoses')
        .where({ id: dose.id })
        .update({ status: 'skipped', sentAt: null, reason: 'no_channel' });
      return 'no_channel' as const;
    }
    if (ctx.userId) {
      await notifyUser(trx, {
        userId: ctx.userId,
        type: 'medication',
        title: `Time for ${ctx.medicationName}`,
        body: `${ctx.dosage} at ${ctx.doseTimeLocal}`,
        data: {
          prescriptionId: dose.prescriptionId,
          doseId: dose.id,
          doseAt: new Date(dose.doseAt).toISOString(),
        },
        dedupeKey: reminderLedgerKey(dose.id),
      });
    }
    return dose;
  });

  if (!claimed) return settleUnclaimed(doseId);
  if (claimed === 'no_channel') return 'skipped';
  await deliver(claimed);
  return 'sent';
}

/** Why a dose could not be claimed; records it on the dose, or finishes a claimed one's email. */
async function settleUnclaimed(doseId: string): Promise<ReminderOutcome> {
  const knex = db();
  const row = (await knex('medicationDoses as d')
    .join('prescriptions as p', 'p.id', 'd.prescriptionId')
    .where('d.id', doseId)
    .select(
      'd.id',
      'd.prescriptionId',
      'd.medicationIndex',
      'd.doseAt',
      'd.status',
      'd.prescriptionVersion',
      'p.status as prescriptionStatus',
      'p.remindersEnabled',
      'p.version',
    )
    .first()) as
    | (ClaimedDose & {
        status: string;
        prescriptionVersion: number;
        prescriptionStatus: string;
        remindersEnabled: boolean;
        version: number;
      })
    | undefined;
  if (!row) return 'missing';
  const stillWanted =
    row.prescriptionStatus === 'active' && row.remindersEnabled && row.version === row.prescriptionVersion;
  if (row.status === 'sent') {
    // The claim committed earlier; the email may not have gone out (SMTP failure, crash).
    if (!stillWanted || Date.now() - new Date(row.doseAt).getTime() > REMINDER_LATE_MINUTES * 60_000)
      return 'already_sent';
    await deliver(row);
    return 'already_sent';
  }
  if (row.status !== 'scheduled') return row.status === 'cancelled' ? 'cancelled' : 'skipped';
  const [status, reason] = !stillWanted
    ? (['cancelled', row.remindersEnabled ? 'prescription_changed' : 'opted_out'] as const)
    : (['skipped', 'too_late'] as const);
  await knex('medicationDoses')
    .where({ id: doseId, status: 'scheduled' })
    .update({ status, reason, updatedAt: knex.fn.now() });
  return status;
}

interface ReminderContext {
  userId: string | null;
  email: string | null;
  recipientName: string;
  prescriptionId: string;
  medicationName: string;
  dosage: string;
  instructions: string | null;
  doseTimeLocal: string;
}

async function reminderContext(
  trx: ReturnType<typeof db>,
  dose: ClaimedDose,
): Promise<ReminderContext | undefined> {
  const row = (await trx('prescriptions as p')
    .join('patients as pt', 'pt.id', 'p.patientId')
    .leftJoin('users as u', 'u.id', 'pt.userId')
    .join('prescriptionMedications as m', (j) =>
      j.on('m.prescriptionId', 'p.id').andOnVal('m.position', dose.medicationIndex),
    )
    .where('p.id', dose.prescriptionId)
    .select(
      'pt.name as patientName',
      'pt.email as patientEmail',
      'pt.timeZone',
      'u.id as userId',
      'u.email as userEmail',
      'u.status as userStatus',
      'm.name',
      'm.dosage',
      'm.instructions',
    )
    .first()) as
    | {
        patientName: string;
        patientEmail: string | null;
        timeZone: string;
        userId: string | null;
        userEmail: string | null;
        userStatus: string | null;
        name: string;
        dosage: string;
        instructions: string | null;
      }
    | undefined;
  if (!row) return undefined;
  // A removed or suspended account gets nothing; a walk-in patient gets email at their address.
  const accountUsable = row.userId !== null && row.userStatus === 'active';
  return {
    userId: accountUsable ? row.userId : null,
    email: row.userId !== null ? (accountUsable ? row.userEmail : null) : row.patientEmail,
    recipientName: row.patientName,
    prescriptionId: dose.prescriptionId,
    medicationName: row.name,
    dosage: row.dosage,
    instructions: row.instructions,
    doseTimeLocal: DateTime.fromJSDate(new Date(dose.doseAt), { zone: row.timeZone }).toFormat('HH:mm'),
  };
}

async function deliver(dose: ClaimedDose): Promise<void> {
  const ctx = await reminderContext(db(), dose);
  if (!ctx?.email) return;
  const { appUrl } = services().config;
  await deliverEmail({
    ledgerKey: reminderLedgerKey(dose.id),
    template: 'medication_reminder',
    to: ctx.email,
    vars: {
      recipientName: ctx.recipientName,
      medicationName: ctx.medicationName,
      dosage: ctx.dosage,
      doseTimeLocal: ctx.doseTimeLocal,
      instructions: ctx.instructions ?? undefined,
      optOutUrl: `${appUrl}/prescriptions/${ctx.prescriptionId}/reminders/opt-out`,
    },
  });
}
