/**
 * Which named database constraint becomes which API error: the one registry, read by
 * `toAppError`. Declared here rather than next to each domain file so the mapping never depends
 * on which modules happen to have been imported. Names follow `<table>_<what>_<kind>`.
 */
export interface ConstraintError {
  status: 400 | 409;
  code: string;
  message: string;
}

export const CONSTRAINT_ERRORS: Readonly<Record<string, ConstraintError>> = {
  users_email_unique: {
    status: 409,
    code: 'duplicate',
    message: 'An account with this email already exists.',
  },
  reviews_appointment_unique: {
    status: 409,
    code: 'duplicate',
    message: 'This appointment has already been reviewed.',
  },
  queue_entries_patient_active_unique: {
    status: 409,
    code: 'duplicate',
    message: 'The patient is already waiting or being seen in this queue today.',
  },
  patient_doctor_mappings_pair_unique: {
    status: 409,
    code: 'duplicate',
    message: 'The patient is already mapped to this doctor.',
  },
  // The exclusion constraint, not the check before the insert, is what makes double booking impossible.
  appointments_no_overlap_excl: {
    status: 409,
    code: 'slot_taken',
    message: 'That time is no longer available.',
  },
  visits_appointment_unique: {
    status: 409,
    code: 'duplicate',
    message: 'This appointment already has a visit.',
  },
  // Stock never goes below zero: these CHECKs, not a read before the write, refuse an overdraft.
  inventory_items_quantity_check: {
    status: 409,
    code: 'insufficient_stock',
    message: 'There is not enough stock for this movement.',
  },
  inventory_lots_quantity_check: {
    status: 409,
    code: 'insufficient_stock',
    message: 'There is not enough stock in this lot for this movement.',
  },
  inventory_items_sku_unique: {
    status: 409,
    code: 'duplicate',
    message: 'A live inventory item already has this SKU.',
  },
  // One live (not void) invoice per appointment: a billing manager and the Stripe hook never both invoice a visit.
  invoices_appointment_live_unique: {
    status: 409,
    code: 'duplicate',
    message: 'This appointment already has an invoice; void it first to invoice it again.',
  },
};
