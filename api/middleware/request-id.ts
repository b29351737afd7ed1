import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/logger.js';
import type { AppContext } from '../route.js';

const SAFE_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Gives every request an id (the caller's `X-Request-Id` when well-formed) and a child logger. */
export function requestId(logger: Logger) {
  return async (ctx: AppContext, next: () => Promise<unknown>) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.log = logger.child({ requestId: ctx.state.requestId });
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
