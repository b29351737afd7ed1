/**
 * The core schema that every area builds on: users and their sessions, patients, doctors, their
 * mappings and appointments, in-app notifications, the email ledger, and the audit log.
 *
 * Why the constraints:
 * - `users_email_unique` on lower(email): one account per address, whatever its case.
 * - `appointments_no_overlap_excl`: two live appointments of one doctor can never overlap, even
 *   when two requests race; the range includes the doctor's buffer after the visit.
 * - `patient_doctor_mappings_pair_unique`: a patient is mapped to a doctor once.
 * - audit_events refuses UPDATE and DELETE, and each row carries the hash of the previous one,
 *   so rewriting history is detectable (`npm run audit:verify`).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create extension if not exists btree_gist;
    create extension if not exists pgcrypto;

    -- timestamptz + interval is only STABLE because day/month steps depend on the zone; adding
    -- minutes does not, so this wrapper may be IMMUTABLE and used in the exclusion constraint.
    create function add_minutes(ts timestamptz, mins integer) returns timestamptz
      language sql immutable parallel safe as $$ select ts + make_interval(mins => mins) $$;

    create table users (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      email text not null check (length(email) between 3 and 254),
      password_hash text not null,
      role text not null check (role in ('super-admin','admin','doctor','nurse','staff','patient')),
      admin_roles text[] not null default '{}',
      status text not null default 'pending' check (status in ('active','pending','suspended','removed')),
      email_verified boolean not null default false,
      phone text,
      gender text,
      avatar_url text,
      token_generation integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index users_email_unique on users (lower(email));
    create index users_role_idx on users (role, created_at);

    create table revoked_tokens (
      jti uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      expires_at timestamptz not null
    );
    create index revoked_tokens_expires_idx on revoked_tokens (expires_at);

    create table patients (
      id uuid primary key default gen_random_uuid(),
      user_id uuid references users(id),
      name text not null check (length(name) between 1 and 200),
      birth_date date,
      gender text,
      phone text,
      email text,
      address text,
      time_zone text not null default 'UTC',
      created_by uuid references users(id),
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index patients_user_unique on patients (user_id) where user_id is not null;
    create index patients_name_idx on patients (lower(name), id);
    create index patients_phone_idx on patients (phone);

    create table doctors (
      id uuid primary key references users(id),
      specialization text,
      bio text,
      phone text,
      contact_email text,
      fee_cents integer not null default 0 check (fee_cents >= 0),
      currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
      time_zone text not null default 'UTC',
      rating numeric(3,2),
      rating_count integer not null default 0,
      rating_sum integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index doctors_specialization_idx on doctors (lower(specialization));

    create table patient_doctor_mappings (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      doctor_id uuid not null references doctors(id),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      constraint patient_doctor_mappings_pair_unique unique (patient_id, doctor_id)
    );
    create index patient_doctor_mappings_doctor_idx on patient_doctor_mappings (doctor_id);

    create table appointments (
      id uuid primary key default gen_random_uuid(),
      doctor_id uuid not null references doctors(id),
      patient_id uuid not null references patients(id),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      buffer_minutes integer not null default 0 check (buffer_minutes >= 0),
      status text not null default 'pending'
        check (status in ('pending','confirmed','completed','cancelled','no-show','rejected')),
      payment_status text not null default 'unpaid'
        check (payment_status in ('unpaid','paid','failed','refunded','partially_refunded')),
      fee_cents integer not null default 0,
      currency text not null default 'usd',
      refund_policy jsonb not null default '{}',
      reason text,
      follow_up_of uuid references appointments(id),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint appointments_ends_after_starts_check check (ends_at > starts_at),
      constraint appointments_no_overlap_excl exclude using gist (
        doctor_id with =,
        tstzrange(starts_at, add_minutes(ends_at, buffer_minutes), '[)') with &&
      ) where (status in ('pending', 'confirmed'))
    );
    create index appointments_patient_idx on appointments (patient_id, starts_at);
    create index appointments_doctor_idx on appointments (doctor_id, starts_at);

    create table appointment_status_history (
      id bigint generated always as identity primary key,
      appointment_id uuid not null references appointments(id),
      from_status text,
      to_status text not null,
      actor_id uuid references users(id),
      reason text,
      created_at timestamptz not null default now()
    );
    create index appointment_status_history_appt_idx on appointment_status_history (appointment_id, id);

    create table notifications (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id),
      type text not null check (type in ('appointment','reminder','system','custom','medication','payment','review')),
      title text not null,
      body text,
      data jsonb not null default '{}',
      dedupe_key text unique,
      read_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index notifications_user_idx on notifications (user_id, created_at desc, id desc);
    create index notifications_unread_idx on notifications (user_id) where read_at is null;

    create table email_deliveries (
      ledger_key text primary key,
      template text not null,
      recipient text not null,
      message_id text,
      sent_at timestamptz not null default now()
    );

    create table audit_events (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default now(),
      actor_id uuid,
      actor_role text,
      patient_id uuid,
      entity text not null,
      entity_id text,
      action text not null,
      outcome text not null check (outcome in ('success','denied','failure')),
      ip text,
      request_id text,
      details jsonb not null default '{}',
      prev_hash text not null,
      hash text not null
    );
    create index audit_events_patient_idx on audit_events (patient_id, id);
    create index audit_events_actor_idx on audit_events (actor_id, id);
    create index audit_events_entity_idx on audit_events (entity, action, id);

    -- The chain is linear because the lock serialises audit writers until they commit.
    create function audit_events_chain() returns trigger language plpgsql as $$
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
    create trigger audit_events_chain_trg before insert on audit_events
      for each row execute function audit_events_chain();

    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only' using errcode = '42501';
    end $$;
    create trigger audit_events_append_only_trg before update or delete on audit_events
      for each row execute function audit_events_append_only();
    create trigger audit_events_no_truncate_trg before truncate on audit_events
      for each statement execute function audit_events_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists audit_events, email_deliveries, notifications, appointment_status_history,
      appointments, patient_doctor_mappings, doctors, patients, revoked_tokens, users cascade;
    drop function if exists audit_events_chain, audit_events_append_only, add_minutes;
  `);
}
