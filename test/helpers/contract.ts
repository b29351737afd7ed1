/**
 * The API contract, checked on every answer the test suite provokes: each status must be one the
 * operation documents in `/openapi.json`, and each JSON body must match the operation's response
 * schema (success) or the error envelope (errors). Violations are collected and fail the run.
 */
import type { ValidateFunction } from 'ajv';
import type Koa from 'koa';
import { documentedStatuses } from '../../api/openapi.js';
import type { AppState, RouteDef } from '../../api/route.js';
import { ErrorEnvelope as errorEnvelope } from '../../api/schemas.js';
import { responseAjv } from '../../lib/ajv.js';

export const contractViolations = new Set<string>();

const validators = new WeakMap<object, ValidateFunction>();
const validatorFor = (schema: object): ValidateFunction => {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = responseAjv.compile(schema)));
  return v;
};

function jsonBody(ctx: Koa.ParameterizedContext<AppState>): unknown {
  if (!ctx.response.is('json')) return undefined;
  const body: unknown = ctx.body;
  if (typeof body === 'string') return JSON.parse(body);
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || 'pipe' in body) return undefined;
  return body;
}

function check(route: RouteDef, ctx: Koa.ParameterizedContext<AppState>): void {
  const name = `${route.method} ${route.path}`;
  const status = ctx.status;
  const body = jsonBody(ctx);
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
  if (!documentedStatuses(route).has(status)) {
    contractViolations.add(`${name} answered ${status}${code ? ` ${code}` : ''}, which it does not document`);
  }
  if (body === undefined) return;
  const schema = status >= 400 ? errorEnvelope : status < 300 ? route.response : undefined;
  if (!schema) return;
  const validate = validatorFor(schema);
  if (!validate(body)) {
    const problems = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath} ${e.message}`);
    contractViolations.add(`${name} ${status} body does not match its schema: ${problems.join('; ')}`);
  }
}

/** Koa middleware for `createApp({observe})`. */
export const contractObserver: Koa.Middleware<AppState> = async (ctx, next) => {
  try {
    await next();
  } finally {
    if (ctx.state.route) check(ctx.state.route, ctx);
  }
};
