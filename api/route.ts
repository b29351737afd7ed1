import type { ParameterizedContext } from 'koa';
import type { Actor, Grant } from '../domain/auth/actor.js';
import type { Logger } from '../lib/logger.js';

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

/**
 * One operation of the API: the single source for the Koa router, request validation and
 * `/openapi.json`. Body schemas set `additionalProperties: false`, which is what makes mass
 * assignment of `role`, `status` or `rating` impossible.
 */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Koa path under /api/v1 (or absolute when `prefix: false`), e.g. `/patients/:id`. */
  path: string;
  operationId: string;
  summary: string;
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
  /** Schema of the success body, for the OpenAPI document. */
  response?: JsonSchema;
  /** Response content type when not JSON (e.g. `text/event-stream`). */
  responseContentType?: string;
  /** Mounted at the root instead of /api/v1 (ops endpoints). (Default: false) */
  unprefixed?: boolean;
  /** Extra middleware run after authentication and before validation (rate limits). */
  before?: ((ctx: AppContext, next: () => Promise<unknown>) => Promise<unknown>)[];
  /** Returns the response body, or sets `ctx.body` itself and returns undefined. */
  handler: (ctx: AppContext) => Promise<unknown> | unknown;
}

/** Identity helper that keeps route tables type-checked. */
export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes;
