import os from 'node:os';
import type { Knex } from 'knex';
import type pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { camelRows } from './job-state.js';

export interface HeartbeatOptions {
  /** How often each worker pool writes its heartbeat. (Default: 15000 ms) */
  intervalMs?: number;
  logger?: Logger;
}

/**
 * Keeps a `worker_heartbeats` row fresh for every live graphile-worker pool of this process (the pool
 * id is what graphile-worker writes to `locked_by`). A clean stop deletes the row; a killed process
 * leaves it to go stale, which is how `recover_stale_workers` finds the jobs it must unlock. A pool
 * whose runner died is {@link forget}-ten at once: only a live runner's row is ever refreshed.
 */
export class WorkerHeartbeat {
  private readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: HeartbeatOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 15_000;
  }

  /** Starts beating for a worker pool id, with a first beat right away. */
  async register(workerId: string): Promise<void> {
    this.ids.add(workerId);
    this.timer ??= setInterval(() => void this.beat(), this.intervalMs).unref();
    await this.beat();
  }

  /**
   * Stops beating for pools whose runner died, without touching their rows.
   */
  forget(workerIds: string[]): void {
    for (const id of workerIds) this.ids.delete(id);
  }

  /**
   * Stops beating for pools whose runner died and removes their rows when the database answers, so
   * `clinicflow_workers_live` drops at once; if it does not, the restarted runner removes them.
   */
  async retire(workerIds: string[]): Promise<void> {
    this.forget(workerIds);
    // The first try often gets a pooled connection that the same failover just killed (pg only drops
    // it once it errors), so a couple of quick retries get a fresh one.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('delete from worker_heartbeats where worker_id = any($1::text[])', [workerIds]);
        return;
      } catch (err) {
        if (attempt >= 3) {
          this.opts.logger?.warn(
            { err: (err as Error).message, workerIds },
            'could not remove dead pool heartbeats',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  /** Stops beating for a pool that shut down cleanly and removes its row. */
  async unregister(workerId: string): Promise<void> {
    this.ids.delete(workerId);
    if (!this.ids.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    try {
      await this.pool.query('delete from worker_heartbeats where worker_id = $1', [workerId]);
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message, workerId }, 'could not remove worker heartbeat');
    }
  }

  /** Writes `last_seen = now()` for every registered pool (re-creating a row a sweep removed). */
  async beat(): Promise<void> {
    if (!this.ids.size) return;
    try {
      await this.pool.query(
        `insert into worker_heartbeats (worker_id, pid, host, last_seen)
         select unnest($1::text[]), $2, $3, now()
         on conflict (worker_id) do update set last_seen = now(), pid = excluded.pid, host = excluded.host`,
        [[...this.ids], process.pid, os.hostname()],
      );
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'could not write worker heartbeat');
    }
  }

  /** Stops the timer (the rows are removed by {@link unregister}). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Releases the jobs still locked by pools of this process whose runner died
 * (`graphile_worker.force_unlock_workers`), records the recovery in `worker_recoveries` and removes
 * their heartbeat rows, in one transaction. Called by the restarted runner (its pool has no job of
 * theirs running: a dead runner has exited before it is replaced). Returns the number of jobs unlocked.
 */
export async function releaseDeadPools(pool: pg.Pool, workerIds: string[]): Promise<number> {
  if (!workerIds.length) return 0;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const { rows } = await client.query<{ worker_id: string; last_seen: Date | null; job_ids: string[] }>(
      `select j.locked_by as worker_id, h.last_seen, array_agg(j.id::text order by j.id) as job_ids
         from graphile_worker.jobs j
         left join worker_heartbeats h on h.worker_id = j.locked_by
        where j.locked_by = any($1::text[])
        group by j.locked_by, h.last_seen`,
      [workerIds],
    );
    await client.query('select graphile_worker.force_unlock_workers($1::text[])', [workerIds]);
    for (const r of rows) {
      await client.query(
        'insert into worker_recoveries (worker_id, last_seen, job_ids) values ($1, $2, $3::bigint[])',
        [r.worker_id, r.last_seen, r.job_ids],
      );
    }
    await client.query('delete from worker_heartbeats where worker_id = any($1::text[])', [workerIds]);
    const jobs = rows.reduce((n, r) => n + r.job_ids.length, 0);
    if (jobs)
      await client.query(`select pg_notify('jobs:insert', json_build_object('count', $1::int)::text)`, [
        jobs,
      ]);
    await client.query('commit');
    return jobs;
  } catch (err) {
    broken = err as Error;
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release(broken);
  }
}

export interface RecoveredWorker {
  workerId: string;
  lastSeen: Date | null;
  jobIds: string[];
}

/**
 * Unlocks the jobs of worker pools presumed dead, with `graphile_worker.force_unlock_workers`, and
 * records each recovery in `worker_recoveries`. A pool is presumed dead when its heartbeat is older
 * than `staleSeconds`, or — for a pool that never wrote a heartbeat (a process without clinicflow's
 * extensions) — when its lock is older than that. `staleSeconds` must exceed the heartbeat period
 * with margin, or live pools are taken for dead.
 *
 * Unlocked jobs run again elsewhere; if the "dead" process was in fact alive, the job may run twice,
 * which tasks tolerate (they re-read state and are idempotent).
 */
export async function recoverStaleWorkers(knex: Knex, staleSeconds: number): Promise<RecoveredWorker[]> {
  return knex.transaction(async (trx) => {
    // One sweep at a time, whichever process runs it.
    await trx.raw('select pg_advisory_xact_lock(7461080)');
    const { rows } = await trx.raw(
      `select j.locked_by as worker_id, h.last_seen, array_agg(j.id::text order by j.id) as job_ids
         from graphile_worker.jobs j
         left join worker_heartbeats h on h.worker_id = j.locked_by
        where j.locked_by is not null
          and (h.last_seen < now() - make_interval(secs => ?)
               or (h.worker_id is null and j.locked_at < now() - make_interval(secs => ?)))
        group by j.locked_by, h.last_seen`,
      [staleSeconds, staleSeconds],
    );
    const dead = camelRows<RecoveredWorker>(rows);
    if (dead.length) {
      await trx.raw('select graphile_worker.force_unlock_workers(?::text[])', [dead.map((d) => d.workerId)]);
      await trx('workerRecoveries').insert(
        dead.map((d) => ({
          workerId: d.workerId,
          lastSeen: d.lastSeen,
          jobIds: trx.raw('?::bigint[]', [d.jobIds]),
        })),
      );
      const jobs = dead.reduce((n, d) => n + d.jobIds.length, 0);
      await trx.raw(`select pg_notify('jobs:insert', json_build_object('count', ?::int)::text)`, [jobs]);
    }
    // Rows of recovered pools go (a pool that was only slow re-creates its row at its next beat);
    // rows of pools that died holding nothing are kept a day for the post-mortem, then dropped.
    await trx.raw(
      `delete from worker_heartbeats where worker_id = any(?::text[]) or last_seen < now() - interval '1 day'`,
      [dead.map((d) => d.workerId)],
    );
    return dead;
  });
}
