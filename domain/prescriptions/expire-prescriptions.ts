import { db } from '../../db/knex.js';
import { recordAudit } from '../audit/record-audit.js';
import { cancelPendingDoses } from './dose-scheduling.js';
import { AUDIT_ENTITY } from './prescription.js';

/** Prescriptions expired per transaction; the loop continues until none is due. */
const BATCH = 200;

/**
 * Moves every active prescription whose last dose has passed to `expired` and cancels any dose
 * left over, in batches of 200 (each batch one transaction, rows locked with SKIP LOCKED so two
 * workers split the work instead of waiting on each other). Safe to run at any time, repeatedly.
 * @returns how many prescriptions were expired.
 */
export async function expirePrescriptions(now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await db().transaction(async (trx) => {
      const { rows } = (await trx.raw(
        `with due as (
           select id from prescriptions
            where status = 'active' and last_dose_at < ?
            order by last_dose_at limit ? for update skip locked)
         update prescriptions p set status = 'expired', expired_at = now(), updated_at = now()
           from due where p.id = due.id
         returning p.id, p.patient_id as "patientId"`,
        [now.toISOString(), BATCH],
      )) as { rows: { id: string; patientId: string }[] };
      for (const p of rows) {
        await cancelPendingDoses(trx, p.id, 'prescription_expired');
        await recordAudit(
          null,
          {
            entity: AUDIT_ENTITY,
            entityId: p.id,
            action: 'expire',
            outcome: 'success',
            patientId: p.patientId,
          },
          trx,
        );
      }
      return rows.length;
    });
    total += expired;
    if (expired < BATCH) return total;
  }
}
