import type { Middleware } from 'koa';
import { httpMetrics } from '../../../domain/metrics/registry.js';
import { toAppError } from '../../../lib/errors.js';
import type { AppState } from '../../route.js';

/**
 * Counts and times every request, labelled with the matched route's operationId (`unmatched` for
 * 404s outside the route table), never the raw path. It runs inside the error handler, so a thrown
 * error is counted with the status the client will get.
 */
export function httpMetricsMiddleware(): Middleware<AppState> {
  const { requests, duration } = httpMetrics();
  return async (ctx, next) => {
    const stop = duration.startTimer();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = toAppError(err).status;
      throw err;
    } finally {
      const route = ctx.state.route?.operationId ?? 'unmatched';
      stop({ method: ctx.method, route });
      requests.inc({ method: ctx.method, route, status: String(status) });
    }
  };
}
