import type { ParameterizedContext } from 'koa';
import type { Actor, Grant } from '../domain/auth/actor.js';
import type { ErrorSpec } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Static, TSchema } from '../lib/schema.js';

export type JsonSchema = Record<string, unknown>;

export interface AppState {
  requestId: string;
  log: Logger;
  actor?: Actor;
  /** Validated (and coerced) path parameters. */
  params: Record<string, unknown>;
  /** Validated (and coerced, defaults applied) query string. */
  query: Record<string, unknown>;
  /** Validated JSON body. */
  body: unknown;
  /** The matched route, for logs and metrics. */
  route?: RouteDef;
}

export type AppContext = ParameterizedContext<AppState>;

/** Who may call a route: anyone, any signed-in account, or holders of the listed grants. */
export type Access = 'public' | 'authenticated' | readonly Grant[];

/** Middleware run before validation (rate limits, feature switches), with the errors it can answer. */
export type BeforeMiddleware = ((ctx: AppContext, next: () => Promise<unknown>) => Promise<unknown>) & {
  errors?: readonly ErrorSpec[];
};

/** Attaches the errors a `before` middleware can answer, so `/openapi.json` documents them. */
export function documented(
  mw: (ctx: AppContext, next: () => Promise<unknown>) => Promise<unknown>,
  errors: readonly ErrorSpec[],
): BeforeMiddleware {
  return Object.assign(mw, { errors });
}

/**
 * One operation of the API: the single source for the Koa router, request validation and
 * `/openapi.json`. Body schemas set `additionalProperties: false`, which is what makes mass
 * assignment of `role`, `status` or `rating` impossible. Written with {@link route}, which types
 * the handler from the schemas.
 */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Koa path under /api/v1 (or absolute when `unprefixed`), e.g. `/patients/:id`. */
  path: string;
  operationId: string;
  summary: string;
  /** Longer text for the document. (Default: the summary) */
  description?: string;
  tags: string[];
  access: Access;
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
  /**
   * How the body is read. `json` (default for POST/PUT/PATCH) parses with a 1 MB limit; `none`
   * leaves the stream to the handler (multipart uploads, raw webhook payloads).
   */
  bodyType?: 'json' | 'none';
  /** Description of a non-JSON request body for the OpenAPI document (e.g. multipart). */
  requestContent?: Record<string, unknown>;
  /** Success status. (Default: 200; 201 is typical for creation, 204 for no content) */
  status?: number;
  /** Schema of the success body. */
  response?: JsonSchema;
  /** Response content type when not JSON (e.g. `text/event-stream`). */
  responseContentType?: string;
  /** Mounted at the root instead of /api/v1 (ops endpoints). (Default: false) */
  unprefixed?: boolean;
  /** Extra middleware run after authentication and before validation (rate limits). */
  before?: readonly BeforeMiddleware[];
  /** Domain errors the operation can answer beyond those implied by the fields above. */
  errors?: readonly ErrorSpec[];
  /** Returns the response body, or sets `ctx.body` itself and returns undefined. */
  handler: (ctx: AppContext) => Promise<unknown> | unknown;
}

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

/** What a handler of a route with these schemas sees on `ctx.state`: validated, typed, no casts. */
export interface RouteState<P, Q, B, A extends Access> extends Omit<
  AppState,
  'actor' | 'params' | 'query' | 'body'
> {
  /** The caller; present on every route that is not public. */
  actor: A extends 'public' ? Actor | undefined : Actor;
  params: StaticOr<P, Record<string, never>>;
  query: StaticOr<Q, Record<string, never>>;
  body: StaticOr<B, undefined>;
}

export type RouteContext<P, Q, B, A extends Access> = ParameterizedContext<RouteState<P, Q, B, A>>;

/** The handler answers the response schema's type, or `undefined` after setting `ctx.body` itself. */
type Answer<R> = R extends TSchema ? Static<R> | undefined : unknown;

export interface TypedRoute<P, Q, B, R, A extends Access> extends Omit<
  RouteDef,
  'access' | 'params' | 'query' | 'body' | 'response' | 'handler'
> {
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  handler: (ctx: RouteContext<P, Q, B, A>) => Promise<Answer<R>> | Answer<R>;
}

/**
 * Declares an operation and infers what its handler receives from its schemas: `ctx.state.params`,
 * `query` and `body` are the schemas' static types, `actor` is non-null unless the route is public,
 * and the handler's result is checked against the response schema.
 */
export function route<
  const A extends Access,
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
  R extends TSchema | undefined = undefined,
>(def: TypedRoute<P, Q, B, R, A>): RouteDef {
  // The validator and `authenticate` establish exactly what RouteState promises before the handler runs.
  return def as unknown as RouteDef;
}

/** Identity helper that keeps route tables type-checked. */
export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes;
