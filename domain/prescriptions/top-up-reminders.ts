import { db } from '../../db/knex.js';
import { addJob } from '../../db/jobs.js';
import { DOSE_WINDOW_HOURS, TOP_UP_THRESHOLD_HOURS, scheduleDoses } from './dose-scheduling.js';

/** Prescriptions handed out per query while topping up. */
const BATCH = 500;

/**
 * Finds every active prescription with reminders on whose materialised doses run out within
 * TOP_UP_THRESHOLD_HOURS (or were never materialised, or whose patient was edited since the window
 * was planned: a time-zone change must move the reminders) and queues one keyed
 * `schedule_medication_doses` job for each, so the work spreads over the workers and one bad
 * prescription cannot stall the rest. Keyset-batched; re-running only replaces the same keyed jobs.
 * @returns how many prescriptions were queued for a top-up.
 */
export async function queueReminderTopUps(now = new Date()): Promise<number> {
  const threshold = new Date(now.getTime() + TOP_UP_THRESHOLD_HOURS * 3600_000);
  let after: string | undefined;
  let queued = 0;
  for (;;) {
    const q = db()('prescriptions as p')
      .join('patients as pt', 'pt.id', 'p.patientId')
      .where({ 'p.status': 'active', 'p.remindersEnabled': true })
      .where((w) =>
        w
          .whereNull('p.dosesScheduledUntil')
          .orWhere('p.dosesScheduledUntil', '<', threshold)
          // The window was planned at doses_scheduled_until − DOSE_WINDOW_HOURS; a patient edited
          // since then may have a new time zone, so the plan is reconciled now, not in a day.
          .orWhereRaw('pt.updated_at > p.doses_scheduled_until - make_interval(hours => ?)', [
            DOSE_WINDOW_HOURS,
          ]),
      )
      .where('p.lastDoseAt', '>', now)
      .orderBy('p.id')
      .limit(BATCH)
      .select('p.id');
    if (after) q.where('p.id', '>', after);
    const rows = (await q) as { id: string }[];
    if (!rows.length) return queued;
    await db().transaction(async (trx) => {
      for (const r of rows) {
        await addJob(
          trx,
          'schedule_medication_doses',
          { prescriptionId: r.id },
          { jobKey: `schedule_medication_doses:${r.id}` },
        );
      }
    });
    queued += rows.length;
    after = rows[rows.length - 1].id;
    if (rows.length < BATCH) return queued;
  }
}

/** Tops up one prescription's window in its own transaction (the `schedule_medication_doses` task). */
export function topUpPrescription(prescriptionId: string, now?: Date): Promise<number> {
  return db().transaction((trx) => scheduleDoses(trx, prescriptionId, { now }));
}
