import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { hasAnyGrant, type Actor, type Grant, type Role } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * How much of a kind of patient data a role reaches:
 * `own` — the patient's own profile; `care` — patients mapped to the doctor or with an appointment
 * with them; `all` — every patient; `none` — the role may not use it at all (403).
 */
export type Scope = 'none' | 'own' | 'care' | 'all';

export type PatientResource = 'demographics' | 'record' | 'visits' | 'reports' | 'prescriptions' | 'messages';
export type Operation = 'read' | 'write';

/**
 * The access policy, written once: who may read and write which patient data.
 * The access-policy table in docs/clinical-data.md is this table. Admins see everything clinical
 * (every read is audited) but write no clinical data: that is the care team's job.
 */
export const ACCESS_POLICY: Record<PatientResource, Record<Operation, Record<Role, Scope>>> = {
  demographics: {
    read: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'all', admin: 'all', 'super-admin': 'all' },
    write: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'all', admin: 'all', 'super-admin': 'all' },
  },
  record: {
    read: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'none', admin: 'all', 'super-admin': 'all' },
    write: {
      patient: 'none',
      doctor: 'care',
      nurse: 'all',
      staff: 'none',
      admin: 'none',
      'super-admin': 'none',
    },
  },
  visits: {
    read: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'none', admin: 'all', 'super-admin': 'all' },
    write: {
      patient: 'none',
      doctor: 'care',
      nurse: 'all',
      staff: 'none',
      admin: 'none',
      'super-admin': 'none',
    },
  },
  reports: {
    read: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'none', admin: 'all', 'super-admin': 'all' },
    write: {
      patient: 'own',
      doctor: 'care',
      nurse: 'all',
      staff: 'all',
      admin: 'none',
      'super-admin': 'none',
    },
  },
  prescriptions: {
    read: { patient: 'own', doctor: 'care', nurse: 'all', staff: 'none', admin: 'all', 'super-admin': 'all' },
    // Prescribing is further limited to the appointment's doctor (domain/prescriptions).
    write: {
      patient: 'none',
      doctor: 'care',
      nurse: 'none',
      staff: 'none',
      admin: 'none',
      'super-admin': 'none',
    },
  },
  // Who may open a conversation about a patient, and who may be a participant in one (write);
  // reading a conversation takes being its participant (domain/messaging/conversation-access.ts).
  // Admins are not part of the care team: they neither open nor join conversations.
  messages: {
    read: {
      patient: 'own',
      doctor: 'care',
      nurse: 'all',
      staff: 'all',
      admin: 'none',
      'super-admin': 'none',
    },
    write: {
      patient: 'own',
      doctor: 'care',
      nurse: 'all',
      staff: 'all',
      admin: 'none',
      'super-admin': 'none',
    },
  },
};

/** Clinical resources: every access is audited. */
export const CLINICAL: readonly PatientResource[] = [
  'record',
  'visits',
  'reports',
  'prescriptions',
  'messages',
];

/** The `audit_events.entity` each resource is logged under (one name per kind of row). */
export const AUDIT_ENTITY: Record<PatientResource, string> = {
  demographics: 'patient',
  record: 'medical_record',
  visits: 'visit',
  reports: 'report',
  prescriptions: 'prescription',
  messages: 'conversation',
};

/**
 * Appointment statuses that put a patient in a doctor's care. A rejected or cancelled request
 * does not: otherwise any patient could hand any doctor their chart, and a doctor would keep
 * seeing a chart after a booking that never happened.
 */
export const CARE_APPOINTMENT_STATUSES = ['pending', 'confirmed', 'completed', 'no-show'] as const;

export function scopeFor(actor: Actor, resource: PatientResource, op: Operation): Scope {
  return ACCESS_POLICY[resource][op][actor.role] ?? 'none';
}

/**
 * Restricts a query on `patients` (aliased `alias`) to the rows the actor may reach.
 * Soft-deleted patients are never visible.
 */
export function applyPatientScope(
  qb: Knex.QueryBuilder,
  actor: Actor,
  resource: PatientResource,
  op: Operation,
  alias = 'patients',
): Knex.QueryBuilder {
  const scope = scopeFor(actor, resource, op);
  qb.whereNull(`${alias}.deletedAt`);
  if (scope === 'all') return qb;
  if (scope === 'own') return qb.where(`${alias}.id`, actor.patientId ?? null);
  if (scope === 'care') {
    return qb.where((w) =>
      w
        .whereExists((s) =>
          s
            .select(1)
            .from('patientDoctorMappings as m')
            .whereRaw('m.patient_id = ??', [`${alias}.id`])
            .where('m.doctorId', actor.userId),
        )
        .orWhereExists((s) =>
          s
            .select(1)
            .from('appointments as a')
            .whereRaw('a.patient_id = ??', [`${alias}.id`])
            .where('a.doctorId', actor.userId)
            .whereIn('a.status', [...CARE_APPOINTMENT_STATUSES]),
        ),
    );
  }
  return qb.whereRaw('false');
}

/**
 * Loads a patient the actor may reach for `resource`/`op`, or throws: 403 when the role may not use
 * the resource at all, 404 when this patient is not theirs (indistinguishable from missing).
 * Denials of clinical data are written to the audit log (outside the failing transaction).
 *
 * Call it before the transaction writes any audit row: the audit chain's advisory lock is held
 * until commit, so a denial written on another connection would wait for it forever.
 */
export async function loadPatientFor(
  actor: Actor,
  patientId: string,
  resource: PatientResource,
  op: Operation,
  trx?: Knex | Knex.Transaction,
): Promise<Record<string, unknown> & { id: string; userId: string | null; timeZone: string; name: string }> {
  const scope = scopeFor(actor, resource, op);
  const deny = async (reason: string) => {
    if (CLINICAL.includes(resource) || resource === 'demographics') {
      await recordAudit(actor, {
        entity: AUDIT_ENTITY[resource],
        action: op,
        outcome: 'denied',
        patientId,
        details: { reason, resource },
      });
    }
  };
  if (scope === 'none') {
    await deny('role');
    throw new ForbiddenError();
  }
  const row = await applyPatientScope((trx ?? db())('patients').select('patients.*'), actor, resource, op)
    .where('patients.id', patientId)
    .first();
  if (!row) {
    await deny('not_visible');
    throw new NotFoundError('patient');
  }
  return row;
}

/** What a caller may do with inventory: read items and ledgers, manage items, book a kind of movement. */
export type InventoryOperation = 'read' | 'manage' | 'receive' | 'dispense' | 'adjust' | 'return' | 'expire';

const INVENTORY_MANAGERS: readonly Grant[] = ['inventory-manager', 'admin'];

/**
 * The inventory access policy, written once (routes take their `access` from it, the domain checks
 * the movement kind against it): admins with the `inventory-manager` sub-role and admins manage
 * items and book every movement; nurses read and dispense; staff, doctors and patients have no
 * access at all (403). `admin` includes super-admins.
 */
export const INVENTORY_POLICY: Record<InventoryOperation, readonly Grant[]> = {
  read: [...INVENTORY_MANAGERS, 'nurse'],
  manage: INVENTORY_MANAGERS,
  receive: INVENTORY_MANAGERS,
  dispense: [...INVENTORY_MANAGERS, 'nurse'],
  adjust: INVENTORY_MANAGERS,
  return: INVENTORY_MANAGERS,
  expire: INVENTORY_MANAGERS,
};

/** Whether the actor may perform an inventory operation. */
export const mayInventory = (actor: Actor, op: InventoryOperation): boolean =>
  hasAnyGrant(actor, INVENTORY_POLICY[op]);

/** Throws 403 unless the actor may perform the inventory operation. */
export function assertInventory(actor: Actor, op: InventoryOperation): void {
  if (!mayInventory(actor, op)) throw new ForbiddenError();
}

/**
 * Who reaches which invoices (billing, analytics): `own` — the patient's own invoices; `doctor` —
 * invoices of the doctor's appointments; `all` — every invoice; `none` — 403. Writing (create, edit
 * lines, issue, void, take a payment) is for admins (incl. the `billing-manager` sub-role) and staff.
 */
export type BillingScope = 'none' | 'own' | 'doctor' | 'all';

export const BILLING_POLICY: Record<Operation, Record<Role, BillingScope>> = {
  read: { patient: 'own', doctor: 'doctor', nurse: 'none', staff: 'all', admin: 'all', 'super-admin': 'all' },
  write: { patient: 'none', doctor: 'none', nurse: 'none', staff: 'all', admin: 'all', 'super-admin': 'all' },
};

export function billingScopeFor(actor: Actor, op: Operation): BillingScope {
  return BILLING_POLICY[op][actor.role] ?? 'none';
}

/** Restricts a query on `invoices` (aliased `alias`) to the invoices the actor may reach for `op`. */
export function applyInvoiceScope(
  qb: Knex.QueryBuilder,
  actor: Actor,
  op: Operation,
  alias = 'invoices',
): Knex.QueryBuilder {
  const scope = billingScopeFor(actor, op);
  if (scope === 'all') return qb;
  if (scope === 'own') return qb.where(`${alias}.patientId`, actor.patientId ?? null);
  if (scope === 'doctor') {
    return qb.whereExists((s) =>
      s
        .select(1)
        .from('appointments as ia')
        .whereRaw('ia.id = ??', [`${alias}.appointment_id`])
        .where('ia.doctorId', actor.userId),
    );
  }
  return qb.whereRaw('false');
}
