import type { ValidateFunction } from 'ajv';
import { coercingAjv, describeErrors, exactAjv } from '../lib/ajv.js';
import type { ErrorDetail } from '../lib/errors.js';
import { ValidationError } from '../lib/errors.js';
import type { AppContext, RouteDef } from './route.js';

const noQuery = coercingAjv.compile({ type: 'object', additionalProperties: false });

/**
 * Compiles a route's schemas once and returns the middleware that validates params, query and body
 * together — every problem of the request comes back in one answer — and stores the validated
 * values on `ctx.state`. Query and params problems are prefixed `/query`, `/params`; body problems
 * use the body's own JSON pointer (`/email`).
 */
export function validator(route: RouteDef) {
  const params: ValidateFunction | undefined = route.params ? coercingAjv.compile(route.params) : undefined;
  const query: ValidateFunction = route.query ? coercingAjv.compile(route.query) : noQuery;
  const body: ValidateFunction | undefined = route.body ? exactAjv.compile(route.body) : undefined;
  return async (ctx: AppContext, next: () => Promise<unknown>) => {
    const details: ErrorDetail[] = [];
    const p = { ...(ctx.params as Record<string, string>) };
    if (params && !params(p)) details.push(...describeErrors('/params', params.errors));
    const q: Record<string, unknown> = { ...ctx.query };
    if (!query(q)) details.push(...describeErrors('/query', query.errors));
    const b: unknown = (ctx.request as { body?: unknown }).body ?? {};
    if (body && !body(b)) details.push(...describeErrors('', body.errors));
    if (details.length) throw new ValidationError('The request is invalid.', details);
    ctx.state.params = p;
    ctx.state.query = q;
    ctx.state.body = b;
    await next();
  };
}
