import type { Knex } from 'knex';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_DURATION_BUCKETS } from '../jobs/history.js';
import { camelRows } from '../jobs/job-state.js';
import { jobStats } from '../jobs/job-stats.js';

/**
 * The process's Prometheus registry: HTTP request counts and latency (per web process, labelled by
 * route operationId, never by raw path, so ids cannot explode the series count) and Node process
 * metrics. Job metrics are not kept here: they are read from the database at scrape time
 * ({@link renderMetrics}), so any web process reports the whole cluster's workers.
 */
export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
}

let current: HttpMetrics | undefined;

/** The process-wide HTTP metrics, created on first use. */
export function httpMetrics(): HttpMetrics {
  if (current) return current;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clinicflow_' });
  current = {
    registry,
    requests: new Counter({
      name: 'clinicflow_http_requests_total',
      help: 'HTTP requests answered, by method, route (operationId) and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'clinicflow_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by method and route (operationId).',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  return current;
}

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface TotalsRow {
  task: string;
  completed: number;
  failed: number;
  durationSecondsSum: number;
  durationBuckets: number[];
}

/** Prometheus text for the cluster-wide job metrics, read from `job_task_totals` and the queue. */
async function jobMetricsText(knex: Knex, staleSeconds: number): Promise<string> {
  const [{ rows }, stats] = await Promise.all([
    knex.raw('select * from job_task_totals order by task'),
    jobStats(knex, staleSeconds),
  ]);
  const totals = camelRows<TotalsRow>(rows);
  const out: string[] = [];
  const family = (name: string, type: string, help: string) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family(
    'clinicflow_jobs_completed_total',
    'counter',
    'Job runs that completed, per task, across all worker processes.',
  );
  for (const t of totals)
    out.push(`clinicflow_jobs_completed_total{task="${label(t.task)}"} ${Number(t.completed)}`);
  family(
    'clinicflow_jobs_failed_total',
    'counter',
    'Job runs that threw, per task, across all worker processes (each failed attempt counts).',
  );
  for (const t of totals)
    out.push(`clinicflow_jobs_failed_total{task="${label(t.task)}"} ${Number(t.failed)}`);
  family('clinicflow_job_duration_seconds', 'histogram', 'Job run duration in seconds, per task.');
  for (const t of totals) {
    const task = label(t.task);
    let cumulative = 0;
    JOB_DURATION_BUCKETS.forEach((le, i) => {
      cumulative += Number(t.durationBuckets[i] ?? 0);
      out.push(`clinicflow_job_duration_seconds_bucket{task="${task}",le="${le}"} ${cumulative}`);
    });
    const count = Number(t.completed) + Number(t.failed);
    out.push(`clinicflow_job_duration_seconds_bucket{task="${task}",le="+Inf"} ${count}`);
    out.push(`clinicflow_job_duration_seconds_sum{task="${task}"} ${Number(t.durationSecondsSum)}`);
    out.push(`clinicflow_job_duration_seconds_count{task="${task}"} ${count}`);
  }
  family('clinicflow_jobs', 'gauge', 'Jobs in graphile-worker now, per task and state (queue depth).');
  for (const t of stats.tasks) {
    for (const state of ['queued', 'scheduled', 'running', 'failed'] as const) {
      out.push(`clinicflow_jobs{task="${label(t.task)}",state="${state}"} ${t[state]}`);
    }
  }
  family(
    'clinicflow_jobs_oldest_queued_age_seconds',
    'gauge',
    'Seconds the oldest due job has waited for a worker.',
  );
  out.push(`clinicflow_jobs_oldest_queued_age_seconds ${stats.oldestQueuedAgeSeconds}`);
  family('clinicflow_workers_live', 'gauge', 'Worker pools with a fresh heartbeat.');
  out.push(`clinicflow_workers_live ${stats.liveWorkers}`);
  return out.join('\n') + '\n';
}

/**
 * The full `/metrics` body: this process's HTTP and runtime metrics plus the cluster's job metrics.
 * If the database cannot be read, job metrics are left out and `clinicflow_job_metrics_up` is 0,
 * so a scrape still succeeds and the outage is itself visible.
 */
export async function renderMetrics(knex: Knex, staleSeconds: number): Promise<string> {
  const own = await httpMetrics().registry.metrics();
  let jobs = '';
  let up = 1;
  try {
    jobs = await jobMetricsText(knex, staleSeconds);
  } catch {
    up = 0;
  }
  const upText = `# HELP clinicflow_job_metrics_up Whether job metrics could be read from the database.\n# TYPE clinicflow_job_metrics_up gauge\nclinicflow_job_metrics_up ${up}\n`;
  return `${own}\n${jobs}${upText}`;
}

/** Content type of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
