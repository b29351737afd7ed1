/**
 * Clinical data: the unified medical record of each patient (with every past version) and visits.
 *
 * Why the constraints and indexes:
 * - `medical_records_patient_unique`: one record per patient, so two concurrent first writes
 *   cannot both create one (the loser gets 409 stale_version).
 * - `medical_records.version` is the optimistic-concurrency token: updates say
 *   `where patient_id = ? and version = ?`, so a stale write touches no row instead of
 *   overwriting a concurrent one. `medical_record_versions_unique` keeps each version once, and the
 *   versions table is never updated: it is the record's history.
 * - The jsonb shape checks stop a hand-written row from breaking readers that expect arrays.
 * - `visits_appointment_unique`: an appointment documents at most one consultation.
 * - `visits_patient_timeline_idx` serves the newest-first timeline with keyset pagination.
 * - `audit_events_occurred_idx` serves the admin audit query filtered by time.
 * - `audit_events_chain()` is redefined to take the row's id *after* the chain lock. The identity
 *   default is drawn before the trigger runs, so two concurrent writers could commit ids 11 then 10,
 *   with 10 chained after 11: the chain order (lock order) and the id order that `audit:verify`
 *   walks disagreed, and concurrent audited requests looked like tampering. Drawing the id under the
 *   lock makes id order = chain order (ids skip a number per row; gaps carry no meaning).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table medical_records (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      allergies jsonb not null default '[]' check (jsonb_typeof(allergies) = 'array'),
      conditions jsonb not null default '[]' check (jsonb_typeof(conditions) = 'array'),
      surgeries jsonb not null default '[]' check (jsonb_typeof(surgeries) = 'array'),
      lifestyle jsonb not null default '{}' check (jsonb_typeof(lifestyle) = 'object'),
      family_history jsonb not null default '[]' check (jsonb_typeof(family_history) = 'array'),
      version integer not null default 1 check (version >= 1),
      updated_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint medical_records_patient_unique unique (patient_id)
    );

    create table medical_record_versions (
      id bigint generated always as identity primary key,
      patient_id uuid not null references patients(id),
      version integer not null check (version >= 1),
      data jsonb not null check (jsonb_typeof(data) = 'object'),
      updated_by uuid references users(id),
      created_at timestamptz not null default now(),
      constraint medical_record_versions_unique unique (patient_id, version)
    );

    create table visits (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      doctor_id uuid references doctors(id),
      appointment_id uuid references appointments(id),
      occurred_at timestamptz not null default now(),
      complaint text check (length(complaint) <= 10000),
      diagnosis text check (length(diagnosis) <= 10000),
      treatment text check (length(treatment) <= 10000),
      notes text check (length(notes) <= 20000),
      created_by uuid not null references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index visits_appointment_unique on visits (appointment_id) where appointment_id is not null;
    create index visits_patient_timeline_idx on visits (patient_id, occurred_at desc, id desc);
    create index visits_doctor_idx on visits (doctor_id, occurred_at desc);

    create index audit_events_occurred_idx on audit_events (occurred_at, id);

    create or replace function audit_events_chain() returns trigger language plpgsql as $$
    declare
      v_prev text;
    begin
      perform pg_advisory_xact_lock(7461001);
      new.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
      select hash into v_prev from audit_events order by id desc limit 1;
      new.prev_hash := coalesce(v_prev, repeat('0', 64));
      new.occurred_at := clock_timestamp();
      new.hash := encode(sha256(convert_to(concat_ws('|',
        new.prev_hash, new.id::text, to_char(new.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(new.actor_id::text, ''), coalesce(new.actor_role, ''), coalesce(new.patient_id::text, ''),
        new.entity, coalesce(new.entity_id, ''), new.action, new.outcome, coalesce(new.ip, ''),
        coalesce(new.request_id, ''), new.details::text), 'UTF8')), 'hex');
      return new;
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists audit_events_occurred_idx;
    create or replace function audit_events_chain() returns trigger language plpgsql as $$
    declare
      v_prev text;
    begin
      perform pg_advisory_xact_lock(7461001);
      select hash into v_prev from audit_events order by id desc limit 1;
      new.prev_hash := coalesce(v_prev, repeat('0', 64));
      new.occurred_at := clock_timestamp();
      new.hash := encode(sha256(convert_to(concat_ws('|',
        new.prev_hash, new.id::text, to_char(new.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(new.actor_id::text, ''), coalesce(new.actor_role, ''), coalesce(new.patient_id::text, ''),
        new.entity, coalesce(new.entity_id, ''), new.action, new.outcome, coalesce(new.ip, ''),
        coalesce(new.request_id, ''), new.details::text), 'UTF8')), 'hex');
      return new;
    end $$;
    drop table if exists visits, medical_record_versions, medical_records;
  `);
}
