import { createHash, timingSafeEqual } from 'node:crypto';
import { db } from '../../../db/knex.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../../../domain/metrics/registry.js';
import { errorSpec, ForbiddenError, UnauthorizedError } from '../../../lib/errors.js';
import { services } from '../../../lib/services.js';
import { defineRoutes, route, type AppContext } from '../../route.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may scrape: with METRICS_TOKEN set, callers presenting it as a bearer token; without it,
 * only direct loopback connections. The socket address is used, not `ctx.ip`, because `ctx.ip`
 * trusts X-Forwarded-For; and a forwarded request from a local proxy is outside traffic, so it is
 * refused too.
 */
function checkScraper(ctx: AppContext): void {
  const token = services().config.metricsToken;
  if (token) {
    const m = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
    if (!m || !timingSafeEqual(digest(m[1]), digest(token))) throw new UnauthorizedError();
    return;
  }
  const direct =
    LOOPBACK.has(ctx.socket.remoteAddress ?? '') && !ctx.get('X-Forwarded-For') && !ctx.get('Forwarded');
  if (!direct)
    throw new ForbiddenError(
      'forbidden',
      'Metrics are only served to local callers unless METRICS_TOKEN is set.',
    );
}

/** `GET /metrics`: Prometheus text exposition of HTTP, process and cluster-wide job metrics. */
export const metricsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/metrics',
    unprefixed: true,
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (METRICS_TOKEN bearer, or loopback only when unset)',
    errors: [
      errorSpec(401, 'unauthorized', 'METRICS_TOKEN is set and the bearer token does not match'),
      errorSpec(403, 'forbidden', 'METRICS_TOKEN is unset and the caller is not on loopback'),
    ],
    tags: ['ops'],
    access: 'public',
    responseContentType: 'text/plain',
    handler: async (ctx) => {
      checkScraper(ctx);
      const body = await renderMetrics(db(), services().config.workerStaleSeconds);
      ctx.type = METRICS_CONTENT_TYPE;
      ctx.body = body;
    },
  }),
]);
