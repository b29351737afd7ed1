/**
 * Medications as clients send them, checked and normalised into what is stored.
 */
import type { Knex } from 'knex';
import { ValidationError, type ErrorDetail } from '../../lib/errors.js';
import type { MedicationInput } from './schemas.js';
import { expandTimesPerDay, lastDoseOfAll, normaliseDoseTimes, type MedicationPlan } from './dose-plan.js';

export type { MedicationInput } from './schemas.js';

/** A medication ready to store. */
export interface NormalisedMedication extends MedicationPlan {
  name: string;
  dosage: string;
  instructions: string | null;
}

const isRealDate = (d: string) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
};

/**
 * Expands `timesPerDay`, sorts and de-duplicates dose times, and checks that the plan still has a
 * dose in the future (a prescription that is over on arrival would only be expired by the cron).
 * @returns the medications and the instant of their last dose in `zone`.
 */
export function normaliseMedications(
  input: MedicationInput[],
  zone: string,
  now = new Date(),
): { medications: NormalisedMedication[]; lastDoseAt: Date } {
  const details: ErrorDetail[] = [];
  const medications = input.map((m, i): NormalisedMedication => {
    if ((m.doseTimes === undefined) === (m.timesPerDay === undefined)) {
      details.push({
        path: `/medications/${i}`,
        message: 'must have exactly one of doseTimes or timesPerDay',
      });
    }
    if (!isRealDate(m.startDate))
      details.push({ path: `/medications/${i}/startDate`, message: 'is not a calendar date' });
    const doseTimes =
      m.doseTimes !== undefined ? normaliseDoseTimes(m.doseTimes) : expandTimesPerDay(m.timesPerDay ?? 1);
    return {
      name: m.name.trim(),
      dosage: m.dosage.trim(),
      doseTimes,
      startDate: m.startDate,
      durationDays: m.durationDays,
      instructions: m.instructions?.trim() || null,
    };
  });
  medications.forEach((m, i) => {
    if (!m.name) details.push({ path: `/medications/${i}/name`, message: 'must not be blank' });
    if (!m.dosage) details.push({ path: `/medications/${i}/dosage`, message: 'must not be blank' });
  });
  if (details.length) throw new ValidationError('The medications are invalid.', details);
  const lastDoseAt = lastDoseOfAll(medications, zone);
  if (lastDoseAt <= now) {
    throw new ValidationError('The prescription has no dose left in the future.', [
      { path: '/medications', message: 'every dose is in the past' },
    ]);
  }
  return { medications, lastDoseAt };
}

/** Writes the medications of a prescription (positions 0…n−1), replacing any earlier ones. */
export async function replaceMedications(
  trx: Knex,
  prescriptionId: string,
  medications: NormalisedMedication[],
): Promise<void> {
  await trx('prescriptionMedications').where({ prescriptionId }).delete();
  await trx('prescriptionMedications').insert(
    medications.map((m, position) => ({ prescriptionId, position, ...m })),
  );
}
