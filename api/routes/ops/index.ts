import { db } from '../../../db/knex.js';
import { AppError, DatabaseUnavailableError, NotFoundError } from '../../../lib/errors.js';
import { failingReadinessChecks } from '../../../lib/readiness.js';
import { defineRoutes, type AppContext } from '../../route.js';
import { objectSchema } from '../../schemas.js';
import { docsAsset, docsInit, docsPage } from './docs.js';

/** Process and documentation endpoints, mounted at the root. `openapi.json` is added by the app. */
export const opsRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/healthz',
    unprefixed: true,
    operationId: 'getHealth',
    summary: 'The process is up',
    tags: ['ops'],
    access: 'public',
    response: objectSchema({ status: { const: 'ok' } }, ['status']),
    handler: () => ({ status: 'ok' }),
  },
  {
    method: 'GET',
    path: '/readyz',
    unprefixed: true,
    operationId: 'getReadiness',
    summary: 'The database is reachable and, where this process runs a worker, its runner is alive',
    tags: ['ops'],
    access: 'public',
    response: objectSchema({ status: { const: 'ok' } }, ['status']),
    handler: async () => {
      try {
        await db().raw('select 1');
      } catch {
        throw new DatabaseUnavailableError();
      }
      const failing = failingReadinessChecks();
      if (failing.length) {
        throw new AppError(503, 'not_ready', `Not ready: ${failing.join(', ')} not running.`, undefined, {
          'Retry-After': '5',
        });
      }
      return { status: 'ok' };
    },
  },
  {
    method: 'GET',
    path: '/docs',
    unprefixed: true,
    operationId: 'getDocs',
    summary: 'Browsable API documentation',
    tags: ['ops'],
    access: 'public',
    responseContentType: 'text/html',
    handler: (ctx: AppContext) => {
      ctx.type = 'html';
      ctx.body = docsPage;
    },
  },
  {
    method: 'GET',
    path: '/docs/:asset',
    unprefixed: true,
    operationId: 'getDocsAsset',
    summary: 'Static files of the documentation page',
    tags: ['ops'],
    access: 'public',
    params: objectSchema({ asset: { type: 'string', pattern: '^[a-z.-]+$' } }, ['asset']),
    responseContentType: 'application/octet-stream',
    handler: async (ctx: AppContext) => {
      const name = ctx.state.params.asset as string;
      if (name === 'init.js') {
        ctx.type = 'application/javascript';
        ctx.body = docsInit;
        return;
      }
      const asset = await docsAsset(name);
      if (!asset) throw new NotFoundError('file');
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = asset.body;
    },
  },
]);
