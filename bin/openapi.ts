/**
 * Writes the OpenAPI document to a file (or stdout) without starting a server or a database: the
 * document is built from the route table alone. Used by `npm run lint:openapi`, `npm run client`
 * and `npm run postman`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApi } from '../api/openapi.js';
import { allRoutes } from '../api/routes/index.js';

const out = process.argv[2];
const doc = JSON.stringify(buildOpenApi(allRoutes, { version: '1' }), null, 2);
if (out) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, doc);
} else process.stdout.write(doc);
