/**
 * Operating the job queue: what ran, which worker processes are alive, and what was recovered.
 *
 * Why these tables:
 * - `job_history`: graphile-worker deletes a job when it succeeds, so without this admins could
 *   never see what ran. One compact row per run (not per job): a retried job leaves one `failed`
 *   row per failed attempt and one `completed` row. Pruned after JOB_HISTORY_DAYS by
 *   `prune_job_history`; the indexes serve "latest first", per task and per job lookups.
 * - `job_task_totals`: monotonic counters per task (runs, failures, duration histogram) that all
 *   worker processes add to, so `/metrics` on any web process reports the whole cluster and the
 *   counters survive history pruning (Prometheus needs counters that never go down).
 * - `worker_heartbeats`: one row per live worker pool (graphile-worker's `locked_by` value); a row
 *   whose `last_seen` is older than WORKER_STALE_SECONDS marks a dead process whose locks
 *   `recover_stale_workers` releases (stock graphile-worker waits 4 hours).
 * - `worker_recoveries`: what each sweep unlocked, for post-mortems.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table job_history (
      id bigint generated always as identity primary key,
      job_id bigint not null,
      task text not null,
      job_key text,
      attempt integer not null check (attempt >= 0),
      max_attempts integer not null check (max_attempts >= 0),
      outcome text not null check (outcome in ('completed', 'failed')),
      -- true when this failure used the last attempt: the job will not run again by itself.
      final boolean not null default false,
      error text check (length(error) <= 2000),
      worker_id text,
      started_at timestamptz not null,
      finished_at timestamptz not null,
      duration_ms integer not null check (duration_ms >= 0),
      constraint job_history_error_only_on_failure_check check (outcome = 'failed' or error is null),
      constraint job_history_finished_after_started_check check (finished_at >= started_at)
    );
    create index job_history_finished_idx on job_history (finished_at desc, id desc);
    create index job_history_task_idx on job_history (task, finished_at desc, id desc);
    create index job_history_job_idx on job_history (job_id, id desc);
    create index job_history_failed_idx on job_history (finished_at) where outcome = 'failed';

    create table job_task_totals (
      task text primary key,
      completed bigint not null default 0 check (completed >= 0),
      failed bigint not null default 0 check (failed >= 0),
      duration_seconds_sum double precision not null default 0 check (duration_seconds_sum >= 0),
      -- Cumulative-free bucket counts aligned with JOB_DURATION_BUCKETS in domain/jobs/history.ts.
      duration_buckets bigint[] not null default '{}'
    );

    -- Element-wise sum of two bucket arrays; the shorter one counts as zeros.
    create function bigint_array_add(a bigint[], b bigint[]) returns bigint[]
      language sql immutable parallel safe as $$
        select coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) order by n), '{}')
          from unnest(a, b) with ordinality as t(x, y, n)
      $$;

    create table worker_heartbeats (
      worker_id text primary key check (length(worker_id) between 1 and 200),
      pid integer not null,
      host text not null,
      started_at timestamptz not null default now(),
      last_seen timestamptz not null default now()
    );
    create index worker_heartbeats_last_seen_idx on worker_heartbeats (last_seen);

    create table worker_recoveries (
      id bigint generated always as identity primary key,
      worker_id text not null,
      last_seen timestamptz,
      job_ids bigint[] not null,
      recovered_at timestamptz not null default now()
    );
    create index worker_recoveries_recovered_idx on worker_recoveries (recovered_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists worker_recoveries, worker_heartbeats, job_task_totals, job_history;
    drop function if exists bigint_array_add;
  `);
}
