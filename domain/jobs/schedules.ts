import type { ParsedCronItem } from 'graphile-worker';
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { STATE_PREDICATE } from './job-state.js';

/** One crontab line with when it fires next and when a worker last fired it. */
export interface CronEntryView {
  /** graphile-worker's identifier of the line (the task name unless `?id=` says otherwise). */
  identifier: string;
  task: string;
  /** The five schedule fields as written, e.g. `*\/15 * * * *`. */
  schedule: string;
  /** Next times it fires (UTC, as graphile-worker evaluates crontabs), soonest first. */
  nextRuns: string[];
  /** When a worker last fired it (graphile-worker's record), or null if none ever did. */
  lastExecution: string | null;
}

/** Scheduled jobs of one task due within the window. */
export interface DueTaskGroup {
  task: string;
  count: number;
  firstRunAt: string;
  /** The earliest few, for a glance at what they are. */
  jobs: { id: string; runAt: string; key: string | null }[];
}

/** How far ahead a next run is looked for: a line that fires less than yearly shows none. */
const HORIZON_MINUTES = 366 * 24 * 60;

/**
 * The next `count` minutes (UTC, after `from`) at which a parsed cron item fires. Minute by minute
 * with graphile-worker's own matcher, so the answer is exactly what the worker will do.
 */
export function nextCronRuns(item: ParsedCronItem, from: Date, count = 3): Date[] {
  const runs: Date[] = [];
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < HORIZON_MINUTES && runs.length < count; i += 1) {
    const digest = {
      min: t.getUTCMinutes(),
      hour: t.getUTCHours(),
      date: t.getUTCDate(),
      month: t.getUTCMonth() + 1,
      dow: t.getUTCDay(),
    };
    if (item.match(digest)) runs.push(new Date(t));
    t.setUTCMinutes(t.getUTCMinutes() + 1);
  }
  return runs;
}

/** Next runs per crontab line, for the minute they were computed in (the page polls every few seconds). */
const nextRunsCache = new Map<string, { minute: number; runs: string[] }>();

function cachedNextRuns(line: string, item: ParsedCronItem, now: Date): string[] {
  const minute = Math.floor(now.getTime() / 60_000);
  const hit = nextRunsCache.get(line);
  if (hit?.minute === minute) return hit.runs;
  const runs = nextCronRuns(item, now).map((d) => d.toISOString());
  if (nextRunsCache.size > 200) nextRunsCache.clear();
  nextRunsCache.set(line, { minute, runs });
  return runs;
}

/**
 * The crontab the workers run, each line with its next run times and its last execution (read from
 * graphile-worker's `_private_known_crontabs`, read-only).
 */
export async function describeCrontab(
  crontab: string,
  knex: Knex = db(),
  now = new Date(),
): Promise<CronEntryView[]> {
  const lines = crontab
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // graphile-worker is loaded at the first schedules page, not by every web process (≈ 18 MB of RSS).
  const { parseCrontab } = await import('graphile-worker');
  const items = parseCrontab(lines.join('\n'));
  const { rows } = await knex.raw(
    `select identifier, last_execution from graphile_worker._private_known_crontabs`,
  );
  const last = new Map(
    (rows as { identifier: string; last_execution: Date | null }[]).map((r) => [
      r.identifier,
      r.last_execution,
    ]),
  );
  return items.map((item, i) => {
    const lastExecution = last.get(item.identifier);
    return {
      identifier: item.identifier,
      task: item.task,
      schedule: lines[i].split(/\s+/).slice(0, 5).join(' '),
      nextRuns: cachedNextRuns(lines[i], item, now),
      lastExecution: lastExecution ? new Date(lastExecution).toISOString() : null,
    };
  });
}

/** How many jobs of each group the schedules page lists. */
const JOBS_PER_GROUP = 10;

/**
 * Scheduled jobs (reminders, medication doses, …) due within the next `minutes`, grouped by task,
 * soonest group first.
 */
export async function scheduledJobsDue(minutes = 60, knex: Knex = db()): Promise<DueTaskGroup[]> {
  const { rows } = await knex.raw(
    `select task, count(*)::int as count, min(run_at) as first_run_at,
            (array_agg(json_build_object('id', id::text, 'runAt', run_at, 'key', key) order by run_at, id))[1:?::int] as jobs
       from (select j.id, j.task_identifier as task, j.run_at, j.key from graphile_worker.jobs j
              where ${STATE_PREDICATE.scheduled} and j.run_at <= now() + make_interval(mins => ?)) s
      group by task order by min(run_at), task`,
    [JOBS_PER_GROUP, minutes],
  );
  return (
    rows as {
      task: string;
      count: number;
      first_run_at: Date;
      jobs: { id: string; runAt: string; key: string | null }[];
    }[]
  ).map((r) => ({
    task: r.task,
    count: r.count,
    firstRunAt: new Date(r.first_run_at).toISOString(),
    jobs: r.jobs.map((j) => ({ id: j.id, runAt: new Date(j.runAt).toISOString(), key: j.key })),
  }));
}
