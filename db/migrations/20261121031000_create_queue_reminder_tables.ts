/**
 * The walk-in queue, custom reminders and admin notification broadcasts.
 *
 * Why the constraints and indexes:
 * - `queue_counters` holds the last number handed out per clinic day and doctor queue. Adding an
 *   entry increments it with `insert … on conflict do update … returning` in the entry's own
 *   transaction: the row lock serialises concurrent adds to one queue, and a rolled-back add rolls
 *   its number back too, so numbers are gap-free. `doctor_key` is the doctor's id, or the nil UUID
 *   for the general queue, because a primary key cannot hold NULL.
 * - `queue_entries_number_unique` is the database's own guarantee that a number is never handed
 *   out twice in one queue, whatever code writes the rows.
 * - `queue_entries_patient_active_unique`: a patient waits (or is being seen) at most once per day
 *   and queue; a second add answers 409 duplicate instead of producing two tickets.
 * - `queue_entries_status_check` lists the only statuses; the legal transitions are enforced by the
 *   `where status in (…)` of each update.
 * - `reminders.channels` is not checked against a fixed list: channels are code (one file each in
 *   domain/reminders/channels), and the API validates names against that registry.
 * - `notification_broadcasts_target_check`: a broadcast goes to exactly one user or one role.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table queue_counters (
      clinic_date date not null,
      doctor_key uuid not null,
      last_number integer not null check (last_number > 0),
      primary key (clinic_date, doctor_key)
    );

    create table queue_entries (
      id uuid primary key default gen_random_uuid(),
      clinic_date date not null,
      doctor_id uuid references doctors(id),
      doctor_key uuid generated always as (coalesce(doctor_id, '00000000-0000-0000-0000-000000000000'::uuid)) stored,
      number integer not null check (number > 0),
      status text not null default 'WAITING',
      patient_id uuid not null references patients(id),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint queue_entries_status_check check (status in ('WAITING','IN_PROGRESS','COMPLETED','CANCELLED')),
      constraint queue_entries_number_unique unique (clinic_date, doctor_key, number)
    );
    create unique index queue_entries_patient_active_unique on queue_entries (clinic_date, doctor_key, patient_id)
      where status in ('WAITING', 'IN_PROGRESS');
    create index queue_entries_date_idx on queue_entries (clinic_date, number, id);
    create index queue_entries_patient_idx on queue_entries (patient_id, clinic_date);

    create table reminders (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      created_by uuid references users(id),
      message text not null check (length(message) between 1 and 2000),
      due_at timestamptz not null,
      channels text[] not null default '{email,in_app}' check (cardinality(channels) >= 1),
      status text not null default 'scheduled' check (status in ('scheduled','sent','cancelled')),
      sent_at timestamptz,
      cancelled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index reminders_patient_idx on reminders (patient_id, due_at, id);
    create index reminders_due_idx on reminders (due_at, id);

    create table notification_broadcasts (
      id uuid primary key default gen_random_uuid(),
      created_by uuid not null references users(id),
      user_id uuid references users(id),
      role text check (role in ('super-admin','admin','doctor','nurse','staff','patient')),
      type text not null check (type in ('system','custom')),
      title text not null check (length(title) between 1 and 200),
      body text not null check (length(body) between 1 and 5000),
      send_email boolean not null default false,
      status text not null default 'queued' check (status in ('queued','done')),
      recipient_count integer,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      constraint notification_broadcasts_target_check check (num_nonnulls(user_id, role) = 1)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `drop table if exists notification_broadcasts, reminders, queue_entries, queue_counters cascade;`,
  );
}
