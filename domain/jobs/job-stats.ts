import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { STATE_PREDICATE, STATE_SQL } from './job-state.js';

export interface TaskStats {
  task: string;
  queued: number;
  scheduled: number;
  running: number;
  failed: number;
  /** Runs that completed in the last hour (from the job history). */
  completedLastHour: number;
  /** Runs that failed in the last hour. */
  failedLastHour: number;
}

export interface JobStats {
  tasks: TaskStats[];
  totals: { queued: number; scheduled: number; running: number; failed: number };
  /** Seconds the oldest due, unlocked, not-failed job has been waiting; 0 when none is. */
  oldestQueuedAgeSeconds: number;
  failuresLastHour: number;
  completedLastHour: number;
  /** Worker pools with a recent heartbeat. */
  liveWorkers: number;
}

/**
 * Counts per task and state, the age of the oldest waiting job, and the last hour's outcomes:
 * what an operator looks at first when the queue misbehaves.
 */
export async function jobStats(knex: Knex = db(), staleSeconds = 120): Promise<JobStats> {
  const [{ rows: live }, { rows: recent }, { rows: oldest }, { rows: workers }] = await Promise.all([
    knex.raw(
      `select s.task, count(*) filter (where s.state = 'queued')::int as queued,
              count(*) filter (where s.state = 'scheduled')::int as scheduled,
              count(*) filter (where s.state = 'running')::int as running,
              count(*) filter (where s.state = 'failed')::int as failed
         from (select j.task_identifier as task, ${STATE_SQL} as state from graphile_worker.jobs j) s
        group by s.task`,
    ),
    knex.raw(
      `select task, count(*) filter (where outcome = 'completed')::int as completed,
              count(*) filter (where outcome = 'failed')::int as failed
         from job_history where finished_at > now() - interval '1 hour' group by task`,
    ),
    knex.raw(
      `select coalesce(extract(epoch from now() - min(j.run_at)), 0)::float8 as age
         from graphile_worker.jobs j
        where ${STATE_PREDICATE.queued}`,
    ),
    knex.raw(
      `select count(*)::int as n from worker_heartbeats where last_seen > now() - make_interval(secs => ?)`,
      [staleSeconds],
    ),
  ]);
  const byTask = new Map<string, TaskStats>();
  const entry = (task: string) => {
    let e = byTask.get(task);
    if (!e) {
      e = { task, queued: 0, scheduled: 0, running: 0, failed: 0, completedLastHour: 0, failedLastHour: 0 };
      byTask.set(task, e);
    }
    return e;
  };
  for (const r of live as {
    task: string;
    queued: number;
    scheduled: number;
    running: number;
    failed: number;
  }[]) {
    Object.assign(entry(r.task), {
      queued: r.queued,
      scheduled: r.scheduled,
      running: r.running,
      failed: r.failed,
    });
  }
  for (const r of recent as { task: string; completed: number; failed: number }[]) {
    Object.assign(entry(r.task), { completedLastHour: r.completed, failedLastHour: r.failed });
  }
  const tasks = [...byTask.values()].sort((a, b) => a.task.localeCompare(b.task));
  const sum = (k: keyof TaskStats) => tasks.reduce((n, t) => n + (t[k] as number), 0);
  return {
    tasks,
    totals: {
      queued: sum('queued'),
      scheduled: sum('scheduled'),
      running: sum('running'),
      failed: sum('failed'),
    },
    oldestQueuedAgeSeconds: Math.max(0, Math.round(Number(oldest[0]?.age ?? 0) * 1000) / 1000),
    failuresLastHour: sum('failedLastHour'),
    completedLastHour: sum('completedLastHour'),
    liveWorkers: workers[0]?.n ?? 0,
  };
}
