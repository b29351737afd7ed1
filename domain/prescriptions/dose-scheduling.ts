/**
 * The rolling window of medication doses: materialise the next hours of doses with one keyed
 * reminder job each, and withdraw them at once when the prescription changes.
 */
import type { Knex } from 'knex';
import { addJob, removeJob, removeJobsByKeyPrefix } from '../../db/jobs.js';
import { services } from '../../lib/services.js';
import { dosesBetween, lastDoseOfAll, type MedicationPlan } from './dose-plan.js';
import type { PrescriptionRow } from './prescription.js';

/** How far ahead doses (and their reminder jobs) exist. */
export const DOSE_WINDOW_HOURS = 48;
/** The top-up cron refills a prescription once fewer than this many hours of doses are left. */
export const TOP_UP_THRESHOLD_HOURS = 24;
/** Attempts of one reminder job; later attempts would be pointless (see REMINDER_LATE_MINUTES). */
export const REMINDER_MAX_ATTEMPTS = 8;

/** Prefix of every reminder job of one prescription, so one call removes them all. */
export const reminderKeyPrefix = (prescriptionId: string) => `send_medication_reminder:${prescriptionId}:`;
/** Job key of one dose's reminder: `send_medication_reminder:<prescriptionId>:<doseId>`. */
export const reminderJobKey = (prescriptionId: string, doseId: string) =>
  `${reminderKeyPrefix(prescriptionId)}${doseId}`;

/**
 * Materialises the doses of an active prescription with reminders on that fall in
 * `(now, now + DOSE_WINDOW_HOURS]` and queues one keyed reminder job per new dose at its
 * `remind_at`. Idempotent: existing doses (scheduled or already sent) are left alone by the partial
 * unique index, so re-running never queues a second job for one dose.
 * It also reconciles the plan with the patient's current time zone: scheduled future doses that the
 * zone no longer yields (the patient moved) are cancelled with their jobs, and `last_dose_at` is
 * recomputed, so a zone change never produces two reminders for one local dose time and never
 * expires a prescription before its real last dose.
 * Locks the prescription row, so it serialises with edits, deletion and expiry.
 * @returns how many new doses were scheduled.
 */
export async function scheduleDoses(
  trx: Knex,
  prescriptionId: string,
  opts: { now?: Date } = {},
): Promise<number> {
  const now = opts.now ?? new Date();
  const p = (await trx('prescriptions')
    .join('patients', 'patients.id', 'prescriptions.patientId')
    .where('prescriptions.id', prescriptionId)
    .select('prescriptions.*', 'patients.timeZone as patientTimeZone')
    .forUpdate('prescriptions')
    .first()) as (PrescriptionRow & { patientTimeZone: string }) | undefined;
  if (!p || p.status !== 'active' || !p.remindersEnabled) return 0;

  const meds = (await trx('prescriptionMedications')
    .where({ prescriptionId })
    .orderBy('position')) as (MedicationPlan & { position: number })[];
  const until = new Date(now.getTime() + DOSE_WINDOW_HOURS * 3600_000);
  const leadMs = services().config.medicationReminderMinutes * 60_000;
  const doses = dosesBetween(meds, p.patientTimeZone, now, until);

  // Doses materialised under another zone: cancel those the current zone no longer yields.
  const wanted = new Set(doses.map((d) => `${meds[d.medicationIndex].position}@${d.doseAt.getTime()}`));
  const existing = (await trx('medicationDoses')
    .where({ prescriptionId, status: 'scheduled' })
    .where('doseAt', '>', now)
    .where('doseAt', '<=', until)
    .select('id', 'medicationIndex', 'doseAt')) as { id: string; medicationIndex: number; doseAt: Date }[];
  const stale = existing.filter((d) => !wanted.has(`${d.medicationIndex}@${new Date(d.doseAt).getTime()}`));
  if (stale.length) {
    await trx('medicationDoses')
      .whereIn(
        'id',
        stale.map((d) => d.id),
      )
      .where({ status: 'scheduled' })
      .update({ status: 'cancelled', reason: 'time_zone_changed', updatedAt: trx.fn.now() });
    for (const d of stale) await removeJob(trx, reminderJobKey(prescriptionId, d.id));
  }
  const lastDoseAt = meds.length ? lastDoseOfAll(meds, p.patientTimeZone) : new Date(p.lastDoseAt);

  let created = 0;
  if (doses.length) {
    const { rows } = (await trx.raw(
      `insert into medication_doses (prescription_id, prescription_version, medication_index, dose_at, remind_at)
       select ?, ?, t.m, t.d, t.r from unnest(?::int[], ?::timestamptz[], ?::timestamptz[]) as t(m, d, r)
       on conflict (prescription_id, medication_index, dose_at) where status <> 'cancelled' do nothing
       returning id, remind_at as "remindAt"`,
      [
        prescriptionId,
        p.version,
        doses.map((d) => meds[d.medicationIndex].position),
        doses.map((d) => d.doseAt.toISOString()),
        doses.map((d) => new Date(d.doseAt.getTime() - leadMs).toISOString()),
      ],
    )) as { rows: { id: string; remindAt: Date }[] };
    for (const dose of rows) {
      // preserve_run_at: should a job for this dose somehow exist, it keeps its minute.
      await addJob(
        trx,
        'send_medication_reminder',
        { doseId: dose.id },
        {
          runAt: dose.remindAt,
          jobKey: reminderJobKey(prescriptionId, dose.id),
          jobKeyMode: 'preserve_run_at',
          maxAttempts: REMINDER_MAX_ATTEMPTS,
        },
      );
    }
    created = rows.length;
  }
  await trx('prescriptions')
    .where({ id: prescriptionId })
    .update({
      dosesScheduledUntil: until,
      ...(lastDoseAt.getTime() !== new Date(p.lastDoseAt).getTime() ? { lastDoseAt } : {}),
    });
  return created;
}

/**
 * Cancels every dose of the prescription that has not been reminded yet and removes their queued
 * jobs, in the caller's transaction: once it commits no reminder of the old plan can go out (a
 * reminder job already running finds its dose cancelled when it tries to claim it).
 * @returns how many doses were cancelled.
 */
export async function cancelPendingDoses(trx: Knex, prescriptionId: string, reason: string): Promise<number> {
  const cancelled = await trx('medicationDoses')
    .where({ prescriptionId, status: 'scheduled' })
    .update({ status: 'cancelled', reason, updatedAt: trx.fn.now() });
  await removeJobsByKeyPrefix(trx, reminderKeyPrefix(prescriptionId));
  await trx('prescriptions').where({ id: prescriptionId }).update({ dosesScheduledUntil: null });
  return cancelled;
}
