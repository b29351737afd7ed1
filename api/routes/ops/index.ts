import { db } from '../../../db/knex.js';
import { AppError, DatabaseUnavailableError, errorSpec, NotFoundError } from '../../../lib/errors.js';
import { failingReadinessChecks } from '../../../lib/readiness.js';
import { StrictObject, Type } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import { docsAsset, docsInit, docsPage } from './docs.js';

/** Process and documentation endpoints, mounted at the root. `openapi.json` is added by the app. */
export const opsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/',
    unprefixed: true,
    operationId: 'getIndex',
    summary: 'Where to go from here: the API base path, its documentation and the operator console',
    tags: ['ops'],
    access: 'public',
    response: StrictObject({
      name: Type.Literal('clinicflow'),
      api: Type.String(),
      docs: Type.String(),
      openapi: Type.String(),
      console: Type.String(),
      health: Type.String(),
    }),
    handler: () => ({
      name: 'clinicflow' as const,
      api: '/api/v1',
      docs: '/docs',
      openapi: '/openapi.json',
      console: '/console',
      health: '/readyz',
    }),
  }),
  route({
    method: 'GET',
    path: '/healthz',
    unprefixed: true,
    operationId: 'getHealth',
    summary: 'The process is up',
    tags: ['ops'],
    access: 'public',
    response: StrictObject({ status: Type.Literal('ok') }),
    handler: () => ({ status: 'ok' as const }),
  }),
  route({
    method: 'GET',
    path: '/readyz',
    unprefixed: true,
    operationId: 'getReadiness',
    summary: 'The database is reachable and, where this process runs a worker, its runner is alive',
    errors: [
      errorSpec(503, 'database_unavailable', 'The database cannot be reached'),
      errorSpec(503, 'not_ready', 'This process should run a worker and its runner is not alive'),
    ],
    tags: ['ops'],
    access: 'public',
    response: StrictObject({ status: Type.Literal('ok') }),
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
      return { status: 'ok' as const };
    },
  }),
  route({
    method: 'GET',
    path: '/docs',
    unprefixed: true,
    operationId: 'getDocs',
    summary: 'Browsable API documentation',
    tags: ['ops'],
    access: 'public',
    responseContentType: 'text/html',
    handler: (ctx) => {
      ctx.type = 'html';
      ctx.body = docsPage;
    },
  }),
  route({
    method: 'GET',
    path: '/docs/:asset',
    unprefixed: true,
    operationId: 'getDocsAsset',
    summary: 'Static files of the documentation page',
    tags: ['ops'],
    access: 'public',
    params: StrictObject({ asset: Type.String({ pattern: '^[a-z.-]+$' }) }),
    responseContentType: 'application/octet-stream',
    handler: async (ctx) => {
      const name = ctx.state.params.asset;
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
  }),
]);
