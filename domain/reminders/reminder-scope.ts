import type { Knex } from 'knex';
import { applyPatientScope, type Operation } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';

/**
 * Restricts a query on `reminders` to reminders of patients the actor reaches (the demographics
 * policy: a patient their own, a doctor the patients in their care, nurses and staff everyone).
 */
export function applyReminderScope(qb: Knex.QueryBuilder, actor: Actor, op: Operation): Knex.QueryBuilder {
  return qb.whereExists((s) =>
    applyPatientScope(
      s.select(1).from('patients').whereRaw('patients.id = reminders.patient_id'),
      actor,
      'demographics',
      op,
    ),
  );
}

/** Columns a reminder is read with, including its exact cursor key. */
export function reminderColumns(knex: Knex | Knex.Transaction): (string | Knex.Raw)[] {
  return [
    'reminders.id',
    'reminders.patientId',
    'reminders.createdBy',
    'reminders.message',
    'reminders.dueAt',
    'reminders.channels',
    'reminders.status',
    'reminders.sentAt',
    'reminders.cancelledAt',
    'reminders.createdAt',
    knex.raw(`to_char(reminders.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`),
  ];
}
