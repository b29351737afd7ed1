/**
 * Billing: invoices, their lines, the money taken against them (desk payments, Stripe payments and
 * Stripe refunds), and the per-year counter that numbers them.
 *
 * Why the constraints and indexes:
 * - `invoice_counters` holds the last number handed out per calendar year. Issuing increments it in
 *   the issuing transaction (`insert … on conflict do update … returning`): the row lock serialises
 *   concurrent issues, and a rolled-back issue rolls its increment back, so numbers are gap-free.
 *   `invoices_number_unique` / `invoices_year_seq_unique` are the database's own proof of uniqueness.
 * - `invoices_number_state_check`: a draft has no number; every issued, paid or void invoice has one
 *   (a void invoice keeps its number, so the sequence stays gap-free for auditors).
 * - `invoices_totals_check`: total = subtotal + tax, all in integer minor units, never negative.
 * - `invoices_appointment_live_unique`: one live (not void) invoice per appointment, so the Stripe
 *   hook and a billing manager can never both invoice the same visit.
 * - `invoice_lines_*`: positions are dense per invoice; net and tax are stored as computed at the
 *   time (rounding rule in domain/billing/totals.ts), so a later rule change never alters an issued
 *   invoice.
 * - `invoice_payments`: one row per movement of money. `kind = 'refund'` rows are negative
 *   movements (a Stripe refund). `invoice_payments_stripe_payment_unique` and
 *   `invoice_payments_refund_unique` make the Stripe hook idempotent: the same Stripe payment or
 *   refund can land on an invoice once only, whatever order webhooks, retries and reconciliation
 *   arrive in.
 * - `invoices_pdf_ready_check`: the PDF's storage key exists exactly when the PDF is ready.
 *   `pdf_version` counts changes that alter the printed document (issue, payment, refund, void): the
 *   render job records the version it rendered, and a render of an older version never wins.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table invoice_counters (
      year integer primary key check (year between 1900 and 2100),
      last_number integer not null check (last_number > 0)
    );

    create table invoices (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      appointment_id uuid references appointments(id),
      status text not null default 'draft'
        constraint invoices_status_check check (status in ('draft', 'issued', 'paid', 'void')),
      year integer,
      seq integer check (seq > 0),
      number text,
      currency text not null check (currency ~ '^[a-z]{3}$'),
      subtotal_cents bigint not null default 0,
      tax_cents bigint not null default 0,
      total_cents bigint not null default 0,
      paid_cents bigint not null default 0,
      refunded_cents bigint not null default 0 check (refunded_cents >= 0),
      due_date date,
      notes text check (length(notes) <= 2000),
      issued_at timestamptz,
      paid_at timestamptz,
      voided_at timestamptz,
      pdf_status text not null default 'none'
        constraint invoices_pdf_status_check check (pdf_status in ('none', 'pending', 'ready', 'failed')),
      pdf_key text,
      pdf_version integer not null default 0,
      pdf_error text check (length(pdf_error) <= 500),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint invoices_number_unique unique (number),
      constraint invoices_year_seq_unique unique (year, seq),
      constraint invoices_number_state_check check (
        (status = 'draft' and number is null and year is null and seq is null and issued_at is null)
        or (status <> 'draft' and number is not null and year is not null and seq is not null and issued_at is not null)
      ),
      constraint invoices_totals_check check (
        subtotal_cents >= 0 and tax_cents >= 0 and total_cents = subtotal_cents + tax_cents
      ),
      constraint invoices_paid_check check (paid_cents >= 0),
      constraint invoices_pdf_ready_check check ((pdf_status = 'ready') = (pdf_key is not null))
    );
    create unique index invoices_appointment_live_unique on invoices (appointment_id)
      where appointment_id is not null and status <> 'void';
    create index invoices_patient_idx on invoices (patient_id, created_at desc, id desc);
    create index invoices_created_idx on invoices (created_at desc, id desc);

    create table invoice_lines (
      invoice_id uuid not null references invoices(id) on delete cascade,
      position integer not null check (position >= 0),
      description text not null check (length(description) between 1 and 500),
      quantity integer not null check (quantity between 1 and 100000),
      unit_cents bigint not null check (unit_cents between 0 and 100000000000),
      tax_percent numeric(5, 2) check (tax_percent between 0 and 100),
      net_cents bigint not null check (net_cents >= 0),
      line_tax_cents bigint not null check (line_tax_cents >= 0),
      primary key (invoice_id, position)
    );

    create table invoice_payments (
      id uuid primary key default gen_random_uuid(),
      invoice_id uuid not null references invoices(id),
      kind text not null check (kind in ('payment', 'refund')),
      method text not null check (method in ('cash', 'card', 'transfer', 'stripe')),
      amount_cents bigint not null check (amount_cents > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      reference text check (length(reference) <= 200),
      payment_id uuid references payments(id),
      refund_id uuid references refunds(id),
      recorded_by uuid references users(id),
      created_at timestamptz not null default now(),
      constraint invoice_payments_refund_link_check check ((kind = 'refund') = (refund_id is not null))
    );
    create unique index invoice_payments_stripe_payment_unique on invoice_payments (payment_id)
      where kind = 'payment' and payment_id is not null;
    create unique index invoice_payments_refund_unique on invoice_payments (refund_id) where refund_id is not null;
    create index invoice_payments_invoice_idx on invoice_payments (invoice_id, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists invoice_payments, invoice_lines, invoices, invoice_counters cascade');
}
