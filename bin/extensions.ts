import type { Middleware } from 'koa';
import type { WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import type { AppState } from '../api/route.js';
import { httpMetricsMiddleware } from '../api/routes/metrics/middleware.js';
import { WorkerHeartbeat } from '../domain/jobs/heartbeats.js';
import { JobHistoryRecorder } from '../domain/jobs/history.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import type { WorkerLifecycle } from '../worker/index.js';

/**
 * Process-level additions that are not routes or tasks: metrics middleware for web processes,
 * job history and heartbeats for worker processes. (Operations area.)
 */
export function webMiddleware(_config: Config): Middleware<AppState>[] {
  return [httpMetricsMiddleware()];
}

export interface WorkerExtensionOptions {
  /** Heartbeat period of each worker pool. (Default: 15000 ms; tests use less) */
  heartbeatMs?: number;
  /** Longest delay before a finished run reaches `job_history`. (Default: 1000 ms) */
  historyFlushMs?: number;
}

/**
 * Attaches job history (every run's outcome, duration and error, batched into `job_history` and the
 * per-task counters behind `/metrics`) and heartbeats (for crash recovery) to a worker's events.
 * The returned function, called by the worker on stop, writes the last runs and removes the
 * heartbeat rows, so a cleanly stopped worker is never mistaken for a dead one.
 */
export function workerExtensions(
  _config: Config,
  logger: Logger,
  opts: WorkerExtensionOptions = {},
): (events: WorkerEvents, pool: pg.Pool, lifecycle?: WorkerLifecycle) => () => Promise<void> {
  return (events, pool, lifecycle) => {
    const log = logger.child({ component: 'worker-extensions' });
    const history = new JobHistoryRecorder(pool, { flushMs: opts.historyFlushMs, logger: log });
    const heartbeat = new WorkerHeartbeat(pool, { intervalMs: opts.heartbeatMs, logger: log });
    const poolIds = new Set<string>();
    // Keyed by job id: one job runs at most once at a time in a process.
    const started = new Map<string, { at: Date; t: bigint }>();

    events.on('pool:create', ({ workerPool }) => {
      poolIds.add(workerPool.id);
      void heartbeat.register(workerPool.id);
    });
    // A dead runner's pool stops beating at once, so nobody takes it for alive.
    lifecycle?.on('died', ({ poolIds }) => void heartbeat.retire(poolIds));
    events.on('job:start', ({ job }) => {
      started.set(job.id, { at: new Date(), t: process.hrtime.bigint() });
    });
    const finish = (
      workerId: string,
      job: {
        id: string;
        task_identifier: string;
        key: string | null;
        attempts: number;
        max_attempts: number;
      },
      error: unknown,
    ) => {
      const s = started.get(job.id);
      started.delete(job.id);
      const now = new Date();
      const failed = error !== undefined;
      history.add({
        jobId: job.id,
        task: job.task_identifier,
        jobKey: job.key,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        outcome: failed ? 'failed' : 'completed',
        final: failed && job.attempts >= job.max_attempts,
        error: failed ? (error instanceof Error ? error.message : String(error)) : null,
        workerId,
        startedAt: s?.at ?? now,
        finishedAt: now,
        durationMs: s ? Number(process.hrtime.bigint() - s.t) / 1e6 : 0,
      });
    };
    events.on('job:success', ({ worker, job }) => finish(worker.workerPool.id, job, undefined));
    events.on('job:error', ({ worker, job, error }) =>
      finish(worker.workerPool.id, job, error ?? new Error('unknown error')),
    );

    return async () => {
      await history.flush();
      heartbeat.stop();
      await Promise.all([...poolIds].map((id) => heartbeat.unregister(id)));
    };
  };
}
