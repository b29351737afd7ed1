/**
 * Indexes for the analytics summaries (domain/analytics). Each summary reads one time range of one
 * table; these are covering indexes on that time column, so a 12-month summary is an index-only
 * range scan that never touches the heap (bench/analytics.ts: 1,000,000 appointments, 300,000
 * payments). A rollup table was not needed: see docs/analytics.md for the figures and why.
 *
 * - `appointments_starts_cover_idx`: appointment summary (status, doctor and length per start time).
 * - `payments_paid_cover_idx`, `refunds_succeeded_cover_idx`, `invoice_payments_desk_cover_idx`:
 *   the three sources of the revenue summary, each only over the rows it counts.
 * - `patients_created_live_idx`, `visits_occurred_cover_idx`: the patient summary.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index appointments_starts_cover_idx on appointments (starts_at) include (doctor_id, status, ends_at);
    create index payments_paid_cover_idx on payments (paid_at) include (currency, amount_cents, appointment_id)
      where status in ('paid', 'partially_refunded', 'refunded');
    create index refunds_succeeded_cover_idx on refunds (created_at) include (payment_id, amount_cents)
      where status = 'succeeded';
    create index invoice_payments_desk_cover_idx on invoice_payments (created_at)
      include (currency, kind, amount_cents, invoice_id) where payment_id is null;
    create index patients_created_live_idx on patients (created_at) include (user_id) where deleted_at is null;
    create index visits_occurred_cover_idx on visits (occurred_at) include (doctor_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists visits_occurred_cover_idx;
    drop index if exists patients_created_live_idx;
    drop index if exists invoice_payments_desk_cover_idx;
    drop index if exists refunds_succeeded_cover_idx;
    drop index if exists payments_paid_cover_idx;
    drop index if exists appointments_starts_cover_idx;
  `);
}
