import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { ErrorDetail } from '../lib/errors.js';
import { ValidationError } from '../lib/errors.js';
import type { AppContext, RouteDef } from './route.js';

// Query strings and path parameters are text: coerce them. JSON bodies are typed: never coerce.
const coercing = new Ajv2020({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false });
const exact = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
ajvFormats.default(coercing);
ajvFormats.default(exact);

function toDetails(prefix: string, errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  return (errors ?? []).map((e) => {
    let path = e.instancePath;
    if (e.keyword === 'required') path += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') {
      path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      return { path: prefix + path, message: 'is not an accepted field' };
    }
    return { path: prefix + path, message: e.message ?? 'is invalid' };
  });
}

interface Compiled {
  params?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
}

/**
 * Compiles a route's schemas once and returns the middleware that validates params, query and body,
 * storing the validated values on `ctx.state`. Query and params errors are prefixed `/query`, `/params`;
 * body errors use the body's own JSON pointer (`/email`).
 */
export function validator(route: RouteDef) {
  const c: Compiled = {
    params: route.params ? coercing.compile(route.params) : undefined,
    query: route.query
      ? coercing.compile(route.query)
      : coercing.compile({ type: 'object', additionalProperties: false }),
    body: route.body ? exact.compile(route.body) : undefined,
  };
  return async (ctx: AppContext, next: () => Promise<unknown>) => {
    const details: ErrorDetail[] = [];
    const params = { ...(ctx.params as Record<string, string>) };
    if (c.params && !c.params(params)) details.push(...toDetails('/params', c.params.errors));
    const query = { ...ctx.query } as Record<string, unknown>;
    if (c.query && !c.query(query)) details.push(...toDetails('/query', c.query.errors));
    const body: unknown = (ctx.request as { body?: unknown }).body ?? {};
    if (c.body && !c.body(body)) details.push(...toDetails('', c.body.errors));
    if (details.length) {
      throw new ValidationError('The request is invalid.', details);
    }
    ctx.state.params = params;
    ctx.state.query = query;
    ctx.state.body = body;
    await next();
  };
}
