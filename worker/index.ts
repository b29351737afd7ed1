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
import { releaseDeadPools } from '../domain/jobs/heartbeats.js';
import type { Logger } from '../lib/logger.js';
import { buildCrontab, buildTaskList } from './task-list.js';

/** Where the worker of a process stands. */
export type WorkerState = 'running' | 'restarting' | 'stopping' | 'stopped';

export interface WorkerStatus {
  state: WorkerState;
  /** Pool ids of the runner that is alive now (empty unless `running`). */
  livePoolIds: string[];
  /** Runners that died and were replaced (or are being replaced) since start. */
  restarts: number;
  /** Why the last runner died, or the last failed restart. */
  lastError: string | null;
}

/**
 * What the supervisor reports besides graphile-worker's own events: `died` ({poolIds, reason}) as
 * soon as a runner stops without being asked, `restart-failed` ({attempt, delayMs, error}) per failed
 * start, `restarted` ({poolIds, unlockedJobs}) once a new runner is up and the dead pools' locks are
 * released.
 */
export interface WorkerLifecycle {
  on(event: 'died', fn: (e: { poolIds: string[]; reason: string }) => void): this;
  on(event: 'restart-failed', fn: (e: { attempt: number; delayMs: number; error: string }) => void): this;
  on(event: 'restarted', fn: (e: { poolIds: string[]; unlockedJobs: number }) => void): this;
  once(event: 'died', fn: (e: { poolIds: string[]; reason: string }) => void): this;
  once(event: 'restart-failed', fn: (e: { attempt: number; delayMs: number; error: string }) => void): this;
  once(event: 'restarted', fn: (e: { poolIds: string[]; unlockedJobs: number }) => void): this;
}

export interface WorkerHandle {
  /** The runner alive now; undefined while the worker is restarting or stopped. */
  readonly runner: Runner | undefined;
  /** graphile-worker's events of every runner this handle starts (one emitter for all of them). */
  readonly events: WorkerEvents;
  readonly lifecycle: WorkerLifecycle;
  /** True while a runner is up and has not begun a shutdown nobody asked for. */
  isAlive(): boolean;
  status(): WorkerStatus;
  /**
   * Stops taking jobs, waits for running ones, removes this process's heartbeat rows and closes the
   * worker's pool. Safe whatever the runner is doing (alive, dead, waiting to restart); never rejects.
   */
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  connectionString: string;
  concurrency: number;
  logger: Logger;
  /**
   * Extra listeners (job history, metrics, heartbeats) attach here once, before the first job. The
   * emitter and pool outlive runner restarts. A returned function runs on stop, after the last job
   * finished and before the pool closes (final flushes).
   */
  onEvents?: (
    events: WorkerEvents,
    pool: pg.Pool,
    lifecycle: WorkerLifecycle,
  ) => void | (() => Promise<void>);
  /** Replaces clinicflow's task list (test fixtures and benchmarks only). (Default: every area's tasks) */
  taskList?: TaskList;
  /** Replaces clinicflow's crontab; '' runs no cron. (Default: every area's cron lines) */
  crontab?: string;
  /** Replaces {@link WORKER_PRESET} (benchmarks compare presets). (Default: WORKER_PRESET) */
  preset?: GraphileConfig.Preset;
  /** First restart delay after a runner dies; doubles per failed start. (Default: 1000 ms) */
  restartMinMs?: number;
  /** Cap of the restart delay. (Default: 30000 ms) */
  restartMaxMs?: number;
  /** `application_name` of the worker's connections (tests pick their own to find them). (Default: clinicflow-worker) */
  applicationName?: string;
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

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One graphile-worker runner and what the supervisor knows about it. */
interface RunnerSlot {
  runner: Runner;
  poolIds: Set<string>;
  startedAt: number;
  /** Alive: started and not shutting down on its own. */
  alive: boolean;
  /** stop() asked this runner to stop (so its shutdown is not a death). */
  stopRequested: boolean;
  /** runner.promise settled (no job of it runs any more), or the runner was given up on. */
  exited: Promise<void>;
  /** Settles `exited` for a runner whose shutdown hangs. */
  abandon: () => void;
  /** Set once the supervisor has handled the exit. */
  exitHandled: boolean;
  watchdog?: NodeJS.Timeout;
}

/**
 * How long a dead runner gets to finish its own shutdown before it is given up on, and how long a
 * killed runner gets before the same. A pool whose completion batch failed can wait for ever on that
 * batch (graphile-worker 0.17), so the waits must be bounded.
 */
const DEAD_RUNNER_GRACE_MS = 2000;
const DEAD_RUNNER_KILL_MS = 8000;
/** A requested stop (SIGTERM) waits this long for running jobs before the runner is killed. */
const STOP_GRACE_MS = 20_000;

/**
 * Runs graphile-worker with clinicflow's task list and crontab, and keeps it running.
 *
 * graphile-worker stops a runner for good when its pool loses the database mid-batch ("worker pool
 * exited with error"). The supervisor watches each runner: the moment one starts a shutdown nobody
 * asked for it is dead (its heartbeat stops, `isAlive()` turns false), and once it has exited a new
 * runner is started with capped exponential backoff (`restartMinMs` doubling up to `restartMaxMs`)
 * until the database answers. The new runner first releases the locks the dead pools still hold
 * (`graphile_worker.force_unlock_workers`), so their jobs run again at once instead of after the
 * stale-heartbeat sweep.
 *
 * It owns its pg.Pool (with error handlers, ended only after the last runner has stopped) because a
 * pool created from a connection string is ended unawaited by `runner.stop()` and an idle client's
 * error can crash the process. The pool survives restarts: pg drops broken clients by itself.
 */
class WorkerSupervisor implements WorkerHandle {
  readonly events: WorkerEvents = new EventEmitter() as WorkerEvents;
  readonly lifecycle = new EventEmitter() as EventEmitter & WorkerLifecycle;
  private readonly log: Logger;
  private readonly pool: pg.Pool;
  private readonly onStop: (() => Promise<void>) | undefined;
  private readonly minMs: number;
  private readonly maxMs: number;
  private slot: RunnerSlot | undefined;
  private state: WorkerState = 'restarting';
  private failures = 0;
  private restarts = 0;
  private lastError: string | null = null;
  /** Pools that died and whose locks are not released yet. */
  private deadPoolIds: string[] = [];
  /** Pool ids announced by the runner being launched. */
  private launchingPoolIds = new Set<string>();
  private restartTimer: NodeJS.Timeout | undefined;
  private launching: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: StartWorkerOptions) {
    this.log = opts.logger.child({ component: 'worker' });
    this.minMs = opts.restartMinMs ?? 1000;
    this.maxMs = Math.max(this.minMs, opts.restartMaxMs ?? 30_000);
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.concurrency + 4,
      application_name: opts.applicationName ?? 'clinicflow-worker',
      // A connect that hangs (network partition) must fail, or a restart attempt never ends.
      connectionTimeoutMillis: 10_000,
    });
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'idle worker database client failed'));
    this.pool.on('connect', (client) =>
      client.on('error', (err) => this.log.warn({ err: err.message }, 'worker client failed')),
    );
    // run() announces its pool synchronously while it builds the runner; launches never overlap.
    this.events.on('pool:create', ({ workerPool }) => this.launchingPoolIds.add(workerPool.id));
    const onShutdown = ({ pool, message }: { pool: { id: string }; message: string }) => {
      const slot = this.slot;
      if (slot?.alive && !slot.stopRequested && slot.poolIds.has(pool.id)) this.died(slot, message);
    };
    this.events.on('pool:gracefulShutdown', onShutdown);
    this.events.on('pool:forcefulShutdown', onShutdown);
    this.onStop = opts.onEvents?.(this.events, this.pool, this.lifecycle) ?? undefined;
  }

  get runner(): Runner | undefined {
    return this.slot?.alive ? this.slot.runner : undefined;
  }

  isAlive(): boolean {
    return this.state === 'running' && Boolean(this.slot?.alive);
  }

  status(): WorkerStatus {
    return {
      state: this.state,
      livePoolIds: this.isAlive() ? [...this.slot!.poolIds] : [],
      restarts: this.restarts,
      lastError: this.lastError,
    };
  }

  /** Starts the first runner; a failure here is thrown (the process cannot start without a database). */
  async start(): Promise<void> {
    await this.launch();
  }

  private async launch(): Promise<void> {
    this.launchingPoolIds = new Set();
    const runner = await run({
      events: this.events,
      pgPool: this.pool,
      concurrency: this.opts.concurrency,
      taskList: this.opts.taskList ?? buildTaskList(),
      // Parsed here so an empty crontab never falls back to reading a `crontab` file from the cwd.
      parsedCronItems: parseCrontab(this.opts.crontab ?? buildCrontab()),
      noHandleSignals: true,
      pollInterval: 1000,
      logger: workerLogger(this.log),
      preset: this.opts.preset ?? WORKER_PRESET,
    });
    let abandon: () => void = () => undefined;
    const abandoned = new Promise<void>((resolve) => (abandon = resolve));
    const slot: RunnerSlot = {
      runner,
      poolIds: this.launchingPoolIds,
      startedAt: Date.now(),
      alive: true,
      stopRequested: false,
      exited: Promise.race([
        runner.promise.then(
          () => undefined,
          () => undefined,
        ),
        abandoned,
      ]),
      abandon,
      exitHandled: false,
    };
    this.slot = slot;
    this.state = this.stopping ? 'stopping' : 'running';
    void slot.exited.then(() => this.exited(slot));
    if (this.deadPoolIds.length) await this.releaseDead(slot);
  }

  private died(slot: RunnerSlot, reason: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    this.lastError = reason;
    this.restarts++;
    const poolIds = [...slot.poolIds];
    this.deadPoolIds.push(...poolIds);
    if (this.state === 'running') this.state = 'restarting';
    this.log.error({ poolIds, reason }, 'worker runner died; it will be restarted');
    this.lifecycle.emit('died', { poolIds, reason });
    this.bound(slot);
  }

  /**
   * Bounds the wait for a runner's exit. A dead runner is given up on after a short grace: what it
   * still waits for is a completion batch that failed and will never settle, and its locked jobs are
   * released by the next runner anyway. A runner asked to stop is killed (graphile-worker's forceful
   * shutdown fails its running jobs so they retry) after a longer grace, then given up on.
   */
  private bound(slot: RunnerSlot, kill = false): void {
    if (slot.watchdog) return;
    slot.watchdog = setTimeout(
      () => {
        const poolIds = [...slot.poolIds];
        if (!kill) {
          this.log.warn({ poolIds }, 'the dead worker runner did not finish its shutdown; giving up on it');
          slot.abandon();
          return;
        }
        this.log.warn({ poolIds }, 'the worker runner did not finish its drain; killing it');
        const giveUp = setTimeout(slot.abandon, DEAD_RUNNER_KILL_MS);
        void slot.runner
          .kill()
          .catch(() => undefined)
          .then(() => slot.exited)
          .finally(() => clearTimeout(giveUp));
      },
      kill ? STOP_GRACE_MS : DEAD_RUNNER_GRACE_MS,
    );
    void slot.exited.then(() => clearTimeout(slot.watchdog));
  }

  private exited(slot: RunnerSlot): void {
    if (slot.exitHandled || slot.stopRequested || this.stopping) return;
    slot.exitHandled = true;
    this.died(slot, this.lastError ?? 'runner exited');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.stopping) return;
    const delayMs = Math.min(this.maxMs, this.minMs * 2 ** this.failures);
    this.failures++;
    this.state = 'restarting';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.launching = this.attemptRestart(delayMs).finally(() => (this.launching = undefined));
    }, delayMs);
  }

  private async attemptRestart(delayMs: number): Promise<void> {
    if (this.stopping) return;
    try {
      // Fail fast while the database is away, before graphile-worker builds a runner.
      await this.pool.query('select 1');
      await this.launch();
      // The database answered: the next death starts the backoff afresh.
      this.failures = 0;
      this.log.info({ restarts: this.restarts, poolIds: [...this.slot!.poolIds] }, 'worker runner restarted');
    } catch (err) {
      this.lastError = errorText(err);
      this.log.warn(
        { attempt: this.failures, waitedMs: delayMs, err: this.lastError },
        'worker runner could not restart yet',
      );
      this.lifecycle.emit('restart-failed', { attempt: this.failures, delayMs, error: this.lastError });
      this.scheduleRestart();
    }
  }

  /** Releases the dead pools' locks now that a live runner can take their jobs. */
  private async releaseDead(slot: RunnerSlot): Promise<void> {
    const ids = this.deadPoolIds.splice(0);
    try {
      const unlockedJobs = await releaseDeadPools(this.pool, ids);
      if (unlockedJobs) this.log.warn({ poolIds: ids, unlockedJobs }, "released the dead worker pools' jobs");
      this.lifecycle.emit('restarted', { poolIds: [...slot.poolIds], unlockedJobs });
    } catch (err) {
      // The stale-heartbeat sweep (recover_stale_workers) or the next restart releases them instead.
      this.deadPoolIds.push(...ids);
      this.log.warn({ poolIds: ids, err: errorText(err) }, 'could not release dead worker pools yet');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopping';
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      await this.launching;
      const slot = this.slot;
      if (slot) {
        if (slot.alive) {
          slot.stopRequested = true;
          slot.alive = false;
          // The drain waits for running jobs; if the database goes away meanwhile it may hang: bound it.
          this.bound(slot, true);
          await Promise.race([
            slot.runner.stop().catch((err) => this.log.warn({ err: errorText(err) }, 'runner stop failed')),
            slot.exited,
          ]);
        }
        await slot.exited;
      }
      try {
        if (this.onStop) await this.onStop();
        if (this.deadPoolIds.length) await releaseDeadPools(this.pool, this.deadPoolIds.splice(0));
      } catch (err) {
        this.log.warn({ err: errorText(err) }, 'worker cleanup on stop failed');
      } finally {
        await this.pool.end().catch(() => undefined);
        this.state = 'stopped';
      }
    })();
    return this.stopping;
  }
}

/**
 * Runs clinicflow's worker under a supervisor that restarts it whenever its runner dies (see
 * {@link WorkerSupervisor}). Rejects if the first runner cannot start.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const supervisor = new WorkerSupervisor(opts);
  try {
    await supervisor.start();
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  return supervisor;
}
