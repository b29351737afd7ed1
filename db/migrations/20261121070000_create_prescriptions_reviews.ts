/**
 * Prescriptions with their medications, the materialised medication doses that drive reminders,
 * and reviews of completed appointments.
 *
 * Why the constraints and indexes:
 * - `prescriptions.version` grows on every edit; each dose remembers the version it was computed
 *   from, so a reminder claimed after an edit can see that it belongs to an old plan.
 * - `prescriptions.last_dose_at` is the instant of the last dose (patient's zone, fixed at write);
 *   `prescriptions_active_last_dose_idx` lets the hourly expiry find due rows without a scan.
 * - `prescriptions.doses_scheduled_until` is how far ahead doses exist (the rolling window);
 *   `prescriptions_top_up_idx` lets the top-up cron find active prescriptions running short.
 * - `prescription_medications_position_unique`: a medication's index is its identity within one
 *   prescription version; doses refer to it.
 * - `medication_doses_live_unique` is partial (status <> 'cancelled'): an edit cancels the future
 *   doses and materialises the new plan, and a dose that was already sent blocks its twin, so one
 *   dose instant is never reminded twice, not even across edits.
 * - `reviews_appointment_unique`: one review per appointment, whatever races.
 * - `doctors.rating_*` stay in the core schema; reviews update them with single-statement
 *   increments in the review's transaction.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table prescriptions (
      id uuid primary key default gen_random_uuid(),
      appointment_id uuid not null references appointments(id),
      patient_id uuid not null references patients(id),
      doctor_id uuid not null references doctors(id),
      status text not null default 'active',
      notes text,
      reminders_enabled boolean not null default true,
      version integer not null default 1 check (version >= 1),
      last_dose_at timestamptz not null,
      doses_scheduled_until timestamptz,
      expired_at timestamptz,
      deleted_at timestamptz,
      deleted_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint prescriptions_status_check check (status in ('active','expired','deleted')),
      constraint prescriptions_notes_length_check check (notes is null or length(notes) <= 5000),
      constraint prescriptions_deleted_check check ((status = 'deleted') = (deleted_at is not null))
    );
    create index prescriptions_patient_idx on prescriptions (patient_id, created_at desc, id desc);
    create index prescriptions_appointment_idx on prescriptions (appointment_id);
    create index prescriptions_doctor_idx on prescriptions (doctor_id, created_at desc);
    create index prescriptions_active_last_dose_idx on prescriptions (last_dose_at) where status = 'active';
    create index prescriptions_top_up_idx on prescriptions (doses_scheduled_until, id)
      where status = 'active' and reminders_enabled;

    create table prescription_medications (
      id uuid primary key default gen_random_uuid(),
      prescription_id uuid not null references prescriptions(id),
      position integer not null check (position >= 0),
      name text not null check (length(name) between 1 and 200),
      dosage text not null check (length(dosage) between 1 and 200),
      dose_times text[] not null,
      start_date date not null,
      duration_days integer not null check (duration_days between 1 and 366),
      instructions text check (instructions is null or length(instructions) <= 2000),
      constraint prescription_medications_position_unique unique (prescription_id, position),
      constraint prescription_medications_dose_times_check check (
        cardinality(dose_times) between 1 and 24
        and array_to_string(dose_times, ',') ~ '^([01][0-9]|2[0-3]):[0-5][0-9](,([01][0-9]|2[0-3]):[0-5][0-9])*$'
      )
    );

    create table medication_doses (
      id uuid primary key default gen_random_uuid(),
      prescription_id uuid not null references prescriptions(id),
      prescription_version integer not null,
      medication_index integer not null check (medication_index >= 0),
      dose_at timestamptz not null,
      remind_at timestamptz not null,
      status text not null default 'scheduled',
      sent_at timestamptz,
      reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint medication_doses_status_check check (status in ('scheduled','sent','skipped','cancelled')),
      constraint medication_doses_remind_before_dose_check check (remind_at <= dose_at),
      constraint medication_doses_sent_check check ((status = 'sent') = (sent_at is not null))
    );
    create unique index medication_doses_live_unique
      on medication_doses (prescription_id, medication_index, dose_at) where status <> 'cancelled';
    create index medication_doses_scheduled_idx
      on medication_doses (prescription_id, dose_at) where status = 'scheduled';

    create table reviews (
      id uuid primary key default gen_random_uuid(),
      appointment_id uuid not null references appointments(id),
      doctor_id uuid not null references doctors(id),
      patient_id uuid not null references patients(id),
      author_id uuid not null references users(id),
      rating smallint not null,
      comment text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint reviews_appointment_unique unique (appointment_id),
      constraint reviews_rating_check check (rating between 1 and 5),
      constraint reviews_comment_length_check check (comment is null or length(comment) <= 2000)
    );
    create index reviews_doctor_idx on reviews (doctor_id, created_at desc, id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `drop table if exists reviews, medication_doses, prescription_medications, prescriptions cascade;`,
  );
}
