import type { RouteDef } from './route.js';
import { errorEnvelope } from './schemas.js';

export const API_PREFIX = '/api/v1';

function toOpenApiPath(route: RouteDef): string {
  const full = route.unprefixed ? route.path : API_PREFIX + route.path;
  return full.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(where: 'path' | 'query', schema: Record<string, unknown> | undefined) {
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorEnvelope } },
});

/**
 * Builds the OpenAPI 3.1 document from the route table: the same JSON Schemas that validate
 * requests describe them, so the document cannot drift from the code.
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
      '400': errorResponse('Invalid input'),
    };
    if (r.access !== 'public') {
      responses['401'] = errorResponse('Missing, invalid, expired or revoked token');
      if (r.access !== 'authenticated') responses['403'] = errorResponse('Role not allowed');
    }
    if (p.includes('{')) responses['404'] = errorResponse('Not found or not visible to the caller');
    responses['503'] = errorResponse('Database unavailable (`database_unavailable`, with Retry-After)');
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      responses,
      'x-access': r.access === 'public' || r.access === 'authenticated' ? r.access : [...r.access],
    };
    if (r.access !== 'public') op.security = [{ bearerAuth: [] }];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.body } } };
    else if (r.requestContent) op.requestBody = { required: true, content: r.requestContent };
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'clinicflow API',
      version: info.version,
      description:
        'Backend for clinics and small hospitals. Errors use `{"error": {"code", "message", "details?"}}`; lists use `{"items", "nextCursor"}`.',
    },
    servers: info.serverUrl ? [{ url: info.serverUrl }] : [],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorEnvelope },
    },
    paths,
  };
}
