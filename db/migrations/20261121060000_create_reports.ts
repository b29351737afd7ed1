/**
 * Reports (uploaded lab results, imaging, scanned prescriptions) and user avatars. The bytes live in
 * storage (lib/storage.ts); these tables hold what the server decided about them.
 *
 * Why the constraints and indexes:
 * - `reports_content_type_check`: only the types the upload sniffer accepts can ever be recorded,
 *   so a download is never served with a type the API did not vouch for.
 * - `reports_sha256_check`: the integrity hash is always a full hex SHA-256.
 * - `reports_storage_key_unique`: one object belongs to one report, so deleting a report's object
 *   can never take another report's file with it.
 * - `reports_thumbnail_ready_check`: "ready" always comes with a stored thumbnail, and a thumbnail
 *   key only with "ready"; `reports_thumbnail_error_only_failed_check` keeps errors on failed rows only.
 * - `reports_patient_live_idx` serves a patient's list (newest first, keyset) without deleted rows.
 * - `user_avatars` keeps the pending upload's key apart from users.avatar_url: a newer upload
 *   supersedes a pending one, and the resize job compares keys to know whether it is still wanted.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table reports (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      title text not null check (length(title) between 1 and 200),
      kind text not null check (kind in ('lab', 'imaging', 'prescription', 'other')),
      content_type text not null
        constraint reports_content_type_check
        check (content_type in ('application/pdf', 'image/png', 'image/jpeg', 'image/webp')),
      size bigint not null check (size > 0),
      sha256 text not null constraint reports_sha256_check check (sha256 ~ '^[0-9a-f]{64}$'),
      storage_key text not null constraint reports_storage_key_unique unique,
      thumbnail_status text not null
        check (thumbnail_status in ('pending', 'ready', 'failed', 'none')),
      thumbnail_key text,
      thumbnail_width integer check (thumbnail_width > 0),
      thumbnail_height integer check (thumbnail_height > 0),
      thumbnail_error text check (length(thumbnail_error) <= 500),
      uploaded_by uuid not null references users(id),
      deleted_at timestamptz,
      deleted_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint reports_thumbnail_ready_check check ((thumbnail_status = 'ready') = (thumbnail_key is not null)),
      constraint reports_thumbnail_error_only_failed_check check (thumbnail_error is null or thumbnail_status = 'failed')
    );
    create index reports_patient_live_idx on reports (patient_id, created_at desc, id desc) where deleted_at is null;
    create index reports_uploaded_by_idx on reports (uploaded_by);

    create table user_avatars (
      user_id uuid primary key references users(id),
      status text not null check (status in ('pending', 'ready', 'failed')),
      pending_key text,
      current_key text,
      error text check (length(error) <= 500),
      updated_at timestamptz not null default now(),
      constraint user_avatars_pending_key_check check ((status = 'pending') = (pending_key is not null))
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists user_avatars, reports');
}
