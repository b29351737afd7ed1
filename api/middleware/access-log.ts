import type { AppContext } from '../route.js';

/**
 * Logs one line per request: method, route pattern, status, duration. Never the query string or
 * body, which can carry tokens, OTPs and clinical text.
 */
export async function accessLog(ctx: AppContext, next: () => Promise<unknown>) {
  const started = process.hrtime.bigint();
  try {
    await next();
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    ctx.state.log?.info(
      {
        method: ctx.method,
        route: ctx.state.route?.operationId ?? null,
        path: ctx.state.route ? ctx.state.route.path : ctx.path,
        status: ctx.status,
        ms: Math.round(ms * 10) / 10,
        userId: ctx.state.actor?.userId,
      },
      'request',
    );
  }
}
