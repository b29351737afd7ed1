import { hasAnyGrant } from '../../domain/auth/actor.js';
import { cachedActor } from '../../domain/auth/actor-cache.js';
import { authenticateToken } from '../../domain/auth/tokens.js';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import type { Access, AppContext } from '../route.js';

/** Reads `Authorization: Bearer <jwt>` (or `?access_token=` on SSE streams, which cannot set headers). */
function bearer(ctx: AppContext, allowQueryToken: boolean): string | undefined {
  const header = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (m) return m[1];
  if (allowQueryToken && typeof ctx.query.access_token === 'string') return ctx.query.access_token;
  return undefined;
}

/**
 * Authenticates the caller and enforces the route's access rule; deny by default.
 * 401 when there is no valid token, 403 when the role may not use the route at all.
 */
export function authenticate(access: Access, opts: { allowQueryToken?: boolean } = {}) {
  return async (ctx: AppContext, next: () => Promise<unknown>) => {
    if (access !== 'public') {
      const token = bearer(ctx, opts.allowQueryToken ?? false);
      if (!token) throw new UnauthorizedError();
      const actor = await cachedActor(token, authenticateToken);
      actor.ip = ctx.ip;
      actor.requestId = ctx.state.requestId;
      ctx.state.actor = actor;
      if (access !== 'authenticated' && !hasAnyGrant(actor, access)) throw new ForbiddenError();
    }
    await next();
  };
}
