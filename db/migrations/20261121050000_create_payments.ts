/**
 * Payments: Stripe Checkout Sessions per appointment, the webhook events Stripe delivered, the refunds
 * we asked for, and the reconciliation runs that repair what a missed webhook left behind.
 *
 * Why the constraints:
 * - `stripe_events.id` is Stripe's event id as primary key: a duplicate delivery hits it and is
 *   acknowledged without a second row or a second processing job.
 * - `payments_session_unique`: one row per Checkout Session, whoever (checkout route, webhook job,
 *   reconciliation) sees it first. `payments_appointment_attempt_unique` numbers the sessions of one
 *   appointment; the attempt is part of the Stripe idempotency key, so a double click (same attempt)
 *   yields one session.
 * - `payments_refunded_within_amount_check`: more than was paid can never be recorded as refunded.
 * - `refunds_idempotency_key_unique`: the key sent to Stripe (`refund:<paymentId>:<amount>`) is stored
 *   before the call, so a retried job finds its row and replays the same key; Stripe answers with the
 *   same refund instead of refunding twice. `refunds_stripe_refund_unique` ties each Stripe refund to
 *   one row, also for refunds made outside clinicflow (Dashboard), which the sync records.
 * - The status lists mirror domain/payments/payment-state.ts.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payments (
      id uuid primary key default gen_random_uuid(),
      appointment_id uuid not null references appointments(id),
      attempt integer not null check (attempt >= 1),
      stripe_checkout_session_id text not null,
      stripe_payment_intent_id text,
      checkout_url text,
      amount_cents integer not null check (amount_cents > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      status text not null default 'unpaid'
        check (status in ('unpaid','paid','failed','refunded','partially_refunded')),
      session_status text not null default 'open' check (session_status in ('open','complete','expired')),
      amount_refunded_cents integer not null default 0,
      expires_at timestamptz not null,
      paid_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint payments_session_unique unique (stripe_checkout_session_id),
      constraint payments_appointment_attempt_unique unique (appointment_id, attempt),
      constraint payments_refunded_within_amount_check
        check (amount_refunded_cents >= 0 and amount_refunded_cents <= amount_cents)
    );
    create index payments_payment_intent_idx on payments (stripe_payment_intent_id) where stripe_payment_intent_id is not null;
    create index payments_created_idx on payments (created_at desc, id desc);
    create index payments_status_created_idx on payments (status, created_at desc, id desc);
    create index payments_open_expiry_idx on payments (expires_at) where session_status = 'open';

    create table stripe_events (
      id text primary key,
      type text not null,
      livemode boolean not null default false,
      payload jsonb not null,
      stripe_created_at timestamptz,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      outcome text,
      error text
    );
    create index stripe_events_unprocessed_idx on stripe_events (received_at) where processed_at is null;

    create table refunds (
      id uuid primary key default gen_random_uuid(),
      payment_id uuid not null references payments(id),
      stripe_refund_id text,
      amount_cents integer not null check (amount_cents > 0),
      status text not null default 'pending'
        check (status in ('pending','requires_action','succeeded','failed','canceled')),
      idempotency_key text not null,
      reason text not null,
      failure_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint refunds_idempotency_key_unique unique (idempotency_key),
      constraint refunds_stripe_refund_unique unique (stripe_refund_id)
    );
    create index refunds_payment_idx on refunds (payment_id, created_at);

    create table payment_reconciliation_runs (
      id bigint generated always as identity primary key,
      cursor timestamptz not null,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      sessions_checked integer not null default 0,
      refunds_checked integer not null default 0,
      fixed jsonb not null default '[]',
      error text
    );
    create index payment_reconciliation_runs_finished_idx on payment_reconciliation_runs (finished_at desc) where error is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop table if exists payment_reconciliation_runs, refunds, stripe_events, payments cascade',
  );
}
