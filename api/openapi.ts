import type { ErrorSpec } from '../lib/errors.js';
import type { JsonSchema, RouteDef } from './route.js';
import { ErrorEnvelope as errorEnvelope } from './schemas.js';

export const API_PREFIX = '/api/v1';

/** Every tag of the document, with what its operations are for (new areas add theirs here). */
export const TAGS: { name: string; description: string }[] = [
  { name: 'ops', description: 'Health, readiness, metrics and this document; not under /api/v1.' },
  { name: 'auth', description: 'Registration, email verification, sign-in, sign-out and passwords.' },
  { name: 'users', description: 'Accounts: the caller, profile pictures, and administration of accounts.' },
  {
    name: 'patients',
    description: 'Patient profiles (demographics), search, and what belongs to a patient.',
  },
  { name: 'doctors', description: 'Doctor profiles, specializations and ratings.' },
  { name: 'mappings', description: "Patient–doctor mappings: who is on a patient's care team." },
  { name: 'records', description: 'The unified medical record of a patient (clinical data, audited).' },
  { name: 'visits', description: 'Consultations forming a patient timeline (clinical data, audited).' },
  { name: 'queue', description: "Today's walk-in queue, with live updates over Server-Sent Events." },
  { name: 'scheduling', description: 'Visiting hours, overrides and free slots.' },
  { name: 'appointments', description: 'Booking and the appointment lifecycle.' },
  { name: 'payments', description: 'Stripe Checkout, webhooks, payment state and refunds.' },
  { name: 'reports', description: 'Uploaded lab reports and images, with thumbnails made by the worker.' },
  { name: 'prescriptions', description: 'Prescriptions and medication reminders (clinical data, audited).' },
  { name: 'reviews', description: 'One review per completed appointment; doctors carry their average.' },
  { name: 'reminders', description: 'Custom reminders delivered by email and in-app notification.' },
  { name: 'notifications', description: 'In-app notifications and admin broadcasts.' },
  { name: 'billing', description: 'Invoices, invoice payments and invoice PDFs.' },
  { name: 'inventory', description: 'Stock items, lots and the append-only movement ledger.' },
  { name: 'analytics', description: 'Patient, revenue and appointment summaries.' },
  { name: 'messaging', description: 'Conversations between patients and their care team.' },
  { name: 'video', description: 'Video calls for appointments.' },
  { name: 'jobs admin', description: 'Background jobs: inspect, retry, cancel; queue statistics.' },
  { name: 'audit', description: 'The append-only audit log of security events and clinical-data access.' },
  { name: 'console', description: 'Data behind the operator console.' },
];

/**
 * A request schema as clients see it: a field with a default may be left out (the validator fills it
 * in, which is why the schema itself lists it as required and the handler's type has it). Returns a
 * deep copy; the validator keeps the original.
 */
export function asSent(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asSent);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = asSent(v);
  const props = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && props) {
    const required = (out.required as string[]).filter((n) => props[n]?.default === undefined);
    if (required.length) out.required = required;
    else delete out.required;
  }
  return out;
}

function toOpenApiPath(route: RouteDef): string {
  const full = route.unprefixed ? route.path : API_PREFIX + route.path;
  return full.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(where: 'path' | 'query', schema: JsonSchema | undefined) {
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || (required.has(name) && rest.default === undefined),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found or not visible to the caller',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Unsupported body type',
  422: 'Unprocessable',
  428: 'Precondition required',
  429: 'Too many requests',
  502: 'An upstream service refused the request',
  503: 'Temporarily unavailable',
};

/** The errors every operation of this shape can answer, beyond those it declares itself. */
function impliedErrors(r: RouteDef): ErrorSpec[] {
  const out: ErrorSpec[] = [];
  const e = (status: number, code: string, description: string) => out.push({ status, code, description });
  const readsJson = (r.bodyType ?? (r.method === 'GET' ? 'none' : 'json')) === 'json';
  // Every operation validates its query string (unknown parameters are refused), so every one can answer 400.
  e(
    400,
    'validation_failed',
    'A parameter or body field is invalid, or a query parameter is unknown; `details` names each',
  );
  if (readsJson && r.method !== 'GET') {
    e(400, 'malformed_json', 'The body is not valid JSON');
    e(413, 'payload_too_large', 'The JSON body is larger than 1 MB');
    e(415, 'unsupported_media_type', 'The body is not sent as application/json');
  }
  if (r.access !== 'public') {
    e(401, 'unauthorized', 'No, invalid or expired bearer token');
    e(401, 'token_revoked', 'The token was revoked (sign-out, password change)');
  }
  if (Array.isArray(r.access)) e(403, 'forbidden', `Only ${r.access.join(', ')} may do this`);
  if (r.path.includes(':')) e(404, 'not_found', 'No such record, or it is not visible to the caller');
  if (!r.unprefixed)
    e(503, 'database_unavailable', 'The database cannot be reached; retry after Retry-After seconds');
  for (const mw of r.before ?? []) out.push(...(mw.errors ?? []));
  out.push(...(r.errors ?? []));
  return out;
}

/** One response per status, listing the codes it carries, with the shared envelope. */
function errorResponses(errors: ErrorSpec[]): Record<string, unknown> {
  const byStatus = new Map<number, Map<string, string>>();
  for (const e of errors) {
    const codes = byStatus.get(e.status) ?? new Map<string, string>();
    if (!codes.has(e.code)) codes.set(e.code, e.description);
    else if (!codes.get(e.code)!.includes(e.description))
      codes.set(e.code, `${codes.get(e.code)}; ${e.description}`);
    byStatus.set(e.status, codes);
  }
  const out: Record<string, unknown> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = [...codes].map(([code, d]) => `- \`${code}\`: ${d}`).join('\n');
    if (status < 400) {
      // Not an error: e.g. a redirect to stored content.
      out[String(status)] = {
        description: [...codes.values()].join('; '),
        headers: { Location: { description: 'Where the content is', schema: { type: 'string' } } },
      };
      continue;
    }
    out[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}. Error codes:\n${lines}`,
      ...(status === 429 || status === 503
        ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } }
        : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

/** The declared errors of a route, for tests that check every observed answer is documented. */
export function documentedStatuses(r: RouteDef): Set<number> {
  return new Set([r.status ?? 200, ...impliedErrors(r).map((e) => e.status)]);
}

/**
 * Builds the OpenAPI 3.1 document from the route table: the same JSON Schemas that validate
 * requests describe them, and every status an operation can answer is listed with its error codes,
 * so the document cannot drift from the code.
 */
export function buildOpenApi(routes: RouteDef[], info: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = toOpenApiPath(r);
    const status = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]:
        status === '204'
          ? { description: 'No content' }
          : {
              description: 'Success',
              content: { [r.responseContentType ?? 'application/json']: { schema: r.response ?? {} } },
            },
      ...errorResponses(impliedErrors(r)),
    };
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      description: describeAccess(r, r.description ?? r.summary),
      tags: r.tags,
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      responses,
      security: r.access === 'public' ? [] : [{ bearerAuth: [] }],
      'x-access': r.access === 'public' || r.access === 'authenticated' ? r.access : [...r.access],
    };
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: asSent(r.body) } } };
    else if (r.requestContent) op.requestBody = { required: true, content: r.requestContent };
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = op;
  }
  const used = new Set(routes.flatMap((r) => r.tags));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'clinicflow API',
      version: info.version,
      description:
        'Backend for clinics and small hospitals. Errors use `{"error": {"code", "message", "details?"}}`; lists use `{"items", "nextCursor"}`. Send the token from `POST /api/v1/auth/login` as `Authorization: Bearer <token>`.',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { name: 'clinicflow maintainers', url: 'https://github.com/clinicflow/clinicflow' },
    },
    servers: [{ url: info.serverUrl ?? '/', description: 'This server (APP_URL)' }],
    security: [{ bearerAuth: [] }],
    tags: TAGS.filter((t) => used.has(t.name)),
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorEnvelope },
      headers: {
        RetryAfter: {
          description: 'Seconds to wait before trying again',
          schema: { type: 'integer', minimum: 1 },
        },
      },
    },
    paths,
  };
}

function describeAccess(r: RouteDef, text: string): string {
  const who =
    r.access === 'public'
      ? 'Public: no token needed.'
      : r.access === 'authenticated'
        ? 'Any signed-in account.'
        : `Allowed: ${r.access.join(', ')}.`;
  return `${text}\n\n${who}`;
}
