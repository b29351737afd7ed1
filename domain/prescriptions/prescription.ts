/**
 * The prescription row, its medications, and who may see or change it.
 */
import type { Knex } from 'knex';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { loadPatientFor, scopeFor, type Operation } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { DispensedEntry } from '../inventory/dispensed.js';

export const PRESCRIPTION_STATUSES = ['active', 'expired', 'deleted'] as const;
export type PrescriptionStatus = (typeof PRESCRIPTION_STATUSES)[number];

/** Audit entity name of prescriptions (clinical data: every read and write is audited). */
export const AUDIT_ENTITY = 'prescription';

/** A prescriptions row as Knex returns it (camelCase). */
export interface PrescriptionRow {
  id: string;
  appointmentId: string;
  patientId: string;
  doctorId: string;
  status: PrescriptionStatus;
  notes: string | null;
  remindersEnabled: boolean;
  version: number;
  lastDoseAt: Date;
  dosesScheduledUntil: Date | null;
  expiredAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A prescription_medications row. */
export interface MedicationRow {
  prescriptionId: string;
  position: number;
  name: string;
  dosage: string;
  doseTimes: string[];
  startDate: string;
  durationDays: number;
  instructions: string | null;
}

/** A prescription with its medications in order. */
export interface Prescription extends PrescriptionRow {
  medications: MedicationRow[];
  /** Inventory dispensed against it (loaded for the detail view only). */
  dispensed?: DispensedEntry[];
}

/** Loads the medications of the given prescriptions, grouped by prescription id and ordered. */
export async function loadMedications(
  trx: Knex,
  prescriptionIds: string[],
): Promise<Map<string, MedicationRow[]>> {
  const rows = prescriptionIds.length
    ? ((await trx('prescriptionMedications')
        .whereIn('prescriptionId', prescriptionIds)
        .orderBy(['prescriptionId', 'position'])) as MedicationRow[])
    : [];
  const byId = new Map<string, MedicationRow[]>(prescriptionIds.map((id) => [id, []]));
  for (const r of rows) byId.get(r.prescriptionId)!.push(r);
  return byId;
}

/** Attaches medications to prescription rows. */
export async function withMedications(trx: Knex, rows: PrescriptionRow[]): Promise<Prescription[]> {
  const meds = await loadMedications(
    trx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, medications: meds.get(r.id) ?? [] }));
}

/**
 * Loads a prescription the actor may reach for `op` on the patient's prescriptions, optionally
 * locked. 403 when the role has no access to prescriptions at all; 404 when it is missing or
 * belongs to a patient outside the actor's scope (the denial is audited).
 */
export async function loadVisiblePrescription(
  trx: Knex,
  actor: Actor,
  id: string,
  op: Operation,
  opts: { forUpdate?: boolean } = {},
): Promise<PrescriptionRow> {
  const q = trx('prescriptions').where({ id }).first();
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as PrescriptionRow | undefined;
  if (!row) {
    if (scopeFor(actor, 'prescriptions', op) === 'none') {
      await recordAudit(actor, {
        entity: AUDIT_ENTITY,
        entityId: id,
        action: op,
        outcome: 'denied',
        details: { reason: 'role' },
      });
      throw new ForbiddenError();
    }
    throw new NotFoundError('prescription');
  }
  await loadPatientFor(actor, row.patientId, 'prescriptions', op, trx);
  return row;
}

/** Audits a refused change of a prescription the actor can see, then throws 403. */
export async function denyChange(
  actor: Actor,
  row: PrescriptionRow,
  action: string,
  reason: string,
): Promise<never> {
  await recordAudit(actor, {
    entity: AUDIT_ENTITY,
    entityId: row.id,
    action,
    outcome: 'denied',
    patientId: row.patientId,
    details: { reason },
  });
  throw new ForbiddenError(
    'forbidden',
    reason === 'not_prescriber' ? 'Only the prescribing doctor may change this prescription.' : undefined,
  );
}
