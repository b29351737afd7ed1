import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The swagger-ui-dist folder, found by resolving its package.json. Only the folder is needed: the
 * package's entry point evaluates the whole Swagger UI bundle (≈ 43 MB of RSS in every web process).
 */
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const assets = new Map<string, string>([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'application/javascript; charset=utf-8'],
]);

/** The /docs page: Swagger UI (served from the swagger-ui-dist package, no CDN) over /openapi.json. */
export const docsPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>clinicflow API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

export const docsInit = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

/** Reads one Swagger UI asset, or undefined for any other name. */
export async function docsAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  const type = assets.get(name);
  if (!type) return undefined;
  return { body: await readFile(path.join(swaggerUiDir, name)), type };
}
