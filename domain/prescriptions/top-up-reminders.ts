import { db } from '../../db/knex.js';
import { addJob } from '../../db/jobs.js';
import { TOP_UP_THRESHOLD_HOURS, scheduleDoses } from './dose-scheduling.js';

/** Prescriptions handed out per query while topping up. */
const BATCH = 500;

/**
 * Finds every active prescription with reminders on whose materialised doses run out within
 * TOP_UP_THRESHOLD_HOURS (or were never materialised) and queues one keyed
 * `schedule_medication_doses` job for each, so the work spreads over the workers and one bad
 * prescription cannot stall the rest. Keyset-batched; re-running only replaces the same keyed jobs.
 * @returns how many prescriptions were queued for a top-up.
 */
export async function queueReminderTopUps(now = new Date()): Promise<number> {
  const threshold = new Date(now.getTime() + TOP_UP_THRESHOLD_HOURS * 3600_000);
  let after: string | undefined;
  let queued = 0;
  for (;;) {
    const q = db()('prescriptions')
      .where({ status: 'active', remindersEnabled: true })
      .where((w) => w.whereNull('dosesScheduledUntil').orWhere('dosesScheduledUntil', '<', threshold))
      .where('lastDoseAt', '>', now)
      .orderBy('id')
      .limit(BATCH)
      .select('id');
    if (after) q.where('id', '>', after);
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
