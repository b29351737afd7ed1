import { EventEmitter } from 'node:events';
import {
  Logger as WorkerLogger,
  parseCrontab,
  run,
  type Runner,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { buildCrontab, buildTaskList } from './task-list.js';

export interface WorkerHandle {
  runner: Runner;
  events: WorkerEvents;
  /** Stops taking jobs, waits for running ones, then closes the worker's pool. */
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  connectionString: string;
  concurrency: number;
  logger: Logger;
  /**
   * Extra listeners (job history, metrics, heartbeats) attach here before jobs start. A returned
   * function runs on stop, after the last job finished and before the pool closes (final flushes).
   */
  onEvents?: (events: WorkerEvents, pool: pg.Pool) => void | (() => Promise<void>);
  /** Replaces clinicflow's task list (test fixtures and benchmarks only). (Default: every area's tasks) */
  taskList?: TaskList;
  /** Replaces clinicflow's crontab; '' runs no cron. (Default: every area's cron lines) */
  crontab?: string;
  /** Replaces {@link WORKER_PRESET} (benchmarks compare presets). (Default: WORKER_PRESET) */
  preset?: GraphileConfig.Preset;
}

/**
 * graphile-worker tuning of every clinicflow worker. Completions and failures are written as soon as
 * the event loop is free (batched with whatever finished in the same tick) instead of one statement
 * per job.
 */
export const WORKER_PRESET: GraphileConfig.Preset = {
  worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 },
};

function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = {
      scope: { workerId: scope.workerId, task: scope.taskIdentifier, jobId: scope.jobId },
      ...meta,
    };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else if (level === 'info') logger.info(fields, message);
    else logger.debug(fields, message);
  });
}

/**
 * Runs graphile-worker with clinicflow's task list and crontab. It owns its pg.Pool (with error
 * handlers, ended only after the runner has stopped) because a pool created from a connection string
 * is ended unawaited by `runner.stop()` and an idle client's error can crash the process.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const log = opts.logger.child({ component: 'worker' });
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.concurrency + 4 });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle worker database client failed'));
  pool.on('connect', (client) =>
    client.on('error', (err) => log.warn({ err: err.message }, 'worker client failed')),
  );
  const events = new EventEmitter() as WorkerEvents;
  const onStop = opts.onEvents?.(events, pool);
  const runner = await run({
    events,
    pgPool: pool,
    concurrency: opts.concurrency,
    taskList: opts.taskList ?? buildTaskList(),
    // Parsed here so an empty crontab never falls back to reading a `crontab` file from the cwd.
    parsedCronItems: parseCrontab(opts.crontab ?? buildCrontab()),
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(log),
    preset: opts.preset ?? WORKER_PRESET,
  });
  let stopping: Promise<void> | undefined;
  return {
    runner,
    events: runner.events,
    stop() {
      stopping ??= (async () => {
        try {
          await runner.stop();
          if (onStop) await onStop();
        } finally {
          await pool.end();
        }
      })();
      return stopping;
    },
  };
}
