import type { Middleware } from 'koa';
import type { WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import type { AppState } from '../api/route.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';

/**
 * Process-level additions that are not routes or tasks: metrics middleware for web processes,
 * job history, metrics and heartbeats for worker processes. (Operations area.)
 */
export function webMiddleware(_config: Config): Middleware<AppState>[] {
  return [];
}

export function workerExtensions(
  _config: Config,
  _logger: Logger,
): (events: WorkerEvents, pool: pg.Pool) => void {
  return () => {};
}
