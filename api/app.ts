import cors from '@koa/cors';
import { Router, type RouterMiddleware } from '@koa/router';
import Koa from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { UnsupportedMediaTypeError } from '../lib/errors.js';
import { bodyReadError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { accessLog } from './middleware/access-log.js';
import { authenticate } from './middleware/authenticate.js';
import { errorHandler } from './middleware/errors.js';
import { requestId } from './middleware/request-id.js';
import { securityHeaders } from './middleware/security-headers.js';
import { API_PREFIX, buildOpenApi } from './openapi.js';
import type { AppContext, AppState, RouteDef } from './route.js';
import { allRoutes } from './routes/index.js';
import { validator } from './validate.js';

export interface AppOptions {
  logger: Logger;
  /** Allowed CORS origins; `*` allows any. (Default: *) */
  corsOrigin?: string;
  appUrl?: string;
  /** Trust one proxy hop's `X-Forwarded-For` for `ctx.ip`. (Default: false) */
  trustProxy?: boolean;
  /** Middleware placed before everything else, seeing every final answer (the tests' contract check). */
  observe?: Koa.Middleware<AppState>;
  /** Extra middleware placed after the error handler (metrics). */
  middleware?: Koa.Middleware<AppState>[];
  routes?: RouteDef[];
}

const jsonBody = koaBody({
  json: true,
  text: false,
  urlencoded: false,
  multipart: false,
  jsonLimit: '1mb',
  jsonStrict: false,
  parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
  onError: (err) => {
    throw bodyReadError(err);
  },
});

/**
 * A JSON route refuses any other body type with 415, saying what to send, instead of reading a form
 * as an empty object and answering "must have required property".
 */
const requireJson: Koa.Middleware<AppState> = async (ctx, next) => {
  const hasBody = ctx.request.length > 0 || ctx.get('Transfer-Encoding') !== '';
  if (hasBody && !ctx.is('application/json', '+json')) {
    throw new UnsupportedMediaTypeError(
      `This operation takes a JSON body: send it with Content-Type: application/json (got ${ctx.get('Content-Type') || 'no Content-Type'}).`,
    );
  }
  await next();
};

// Static paths before parameterised ones, so `/admin/jobs/stats` is not taken for `/admin/jobs/:id`.
const paramCount = (r: RouteDef) => (r.path.match(/:/g) ?? []).length;

/** Builds the Koa app (no listen): error envelope first, then ids, logs, CORS, and the route table. */
export function createApp(opts: AppOptions): Koa<AppState> {
  const routes = [...(opts.routes ?? allRoutes)].sort((a, b) => paramCount(a) - paramCount(b));
  const app = new Koa<AppState>();
  app.proxy = opts.trustProxy ?? false;
  // Only the address the nearest proxy saw is believed; earlier hops are client-controlled.
  app.maxIpsCount = 1;
  app.silent = true;
  if (opts.observe) app.use(opts.observe);
  app.use(securityHeaders({ appUrl: opts.appUrl }));
  app.use(requestId(opts.logger));
  app.use(accessLog);
  app.use(errorHandler);
  app.use(
    cors({
      origin: opts.corsOrigin ?? '*',
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag', 'X-Thumbnail-Status'],
      allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
    }),
  );
  for (const mw of opts.middleware ?? []) app.use(mw);

  const openapi = buildOpenApi(routes, { version: '1', serverUrl: opts.appUrl });
  const router = new Router<AppState>();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  for (const route of routes) {
    const chain: Koa.Middleware<AppState>[] = [
      async (ctx, next) => {
        ctx.state.route = route;
        await next();
      },
      authenticate(route.access, { allowQueryToken: route.responseContentType === 'text/event-stream' }),
      ...((route.before ?? []) as Koa.Middleware<AppState>[]),
    ];
    const readsJson = (route.bodyType ?? (route.method === 'GET' ? 'none' : 'json')) === 'json';
    if (readsJson) chain.push(requireJson, jsonBody as unknown as Koa.Middleware<AppState>);
    chain.push(validator(route) as Koa.Middleware<AppState>);
    chain.push(async (ctx) => {
      const c = ctx as unknown as AppContext;
      const result = await route.handler(c);
      if (result !== undefined) {
        ctx.status = route.status ?? 200;
        ctx.body = result;
      } else if (ctx.body === undefined || ctx.body === null) {
        ctx.status = route.status ?? 204;
      }
    });
    const fullPath = route.unprefixed ? route.path : API_PREFIX + route.path;
    router.register(fullPath, [route.method], chain as unknown as RouterMiddleware<AppState>[], {
      name: route.operationId,
    });
  }
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}
