/**
 * Auth state that must survive restarts and be shared by every web process: email verification
 * links, password-reset OTPs and rate-limit counters.
 *
 * Why the constraints:
 * - Secrets are never stored, only their hashes; `*_issued_check` says a hash and its expiry are set
 *   together (by the worker task that generates the secret), so a row is either "queued" or "issued".
 * - `*_one_live_unique`: at most one usable verification link and one usable OTP per user. A new
 *   request voids the old row first, so "a new OTP voids the old" is a database fact, not a hope.
 * - `password_resets_attempts_check`: an OTP takes at most 5 wrong guesses; the fifth voids it.
 * - `email_verifications_token_hash_unique`: the link is looked up by the hash of its token.
 * - `rate_limits` is a fixed-window counter keyed by `(key, window_start)`, incremented with one
 *   atomic upsert, so limits hold across several web processes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table email_verifications (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id) on delete cascade,
      token_hash text,
      expires_at timestamptz,
      used_at timestamptz,
      voided_at timestamptz,
      created_at timestamptz not null default now(),
      constraint email_verifications_token_hash_unique unique (token_hash),
      constraint email_verifications_issued_check check ((token_hash is null) = (expires_at is null))
    );
    create unique index email_verifications_one_live_unique on email_verifications (user_id)
      where used_at is null and voided_at is null;
    create index email_verifications_created_idx on email_verifications (created_at);

    create table password_resets (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id) on delete cascade,
      otp_hash text,
      expires_at timestamptz,
      failed_attempts integer not null default 0,
      used_at timestamptz,
      voided_at timestamptz,
      created_at timestamptz not null default now(),
      constraint password_resets_issued_check check ((otp_hash is null) = (expires_at is null)),
      constraint password_resets_attempts_check check (failed_attempts between 0 and 5)
    );
    create unique index password_resets_one_live_unique on password_resets (user_id)
      where used_at is null and voided_at is null;
    create index password_resets_created_idx on password_resets (created_at);

    create table rate_limits (
      key text not null check (length(key) between 1 and 400),
      window_start timestamptz not null,
      hits integer not null check (hits > 0),
      primary key (key, window_start)
    );
    create index rate_limits_window_idx on rate_limits (window_start);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table if exists rate_limits, password_resets, email_verifications`);
}
