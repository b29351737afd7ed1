/**
 * Root hooks for the whole suite: one database (created and dropped here) on TEST_DATABASE_URL's
 * server or on an embedded PostgreSQL, an in-process SMTP server, the real worker and the real API.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApp } from '../api/app.js';
import { webMiddleware, workerExtensions } from '../bin/extensions.js';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/embedded-postgres.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { services, setServices } from '../lib/services.js';
import { runShutdownHooks } from '../lib/shutdown.js';
import { startWorker } from '../worker/index.js';
import { buildCrontab } from '../worker/task-list.js';
import { setTestContext, testContext } from './helpers/context.js';
import { contractObserver, contractViolations } from './helpers/contract.js';
import { SmtpInbox } from './helpers/smtp.js';

// The AWS SDK warns once per process on Node < 22 that its 2027 releases will need Node 22; the
// suite runs on Node 20 and 22 on purpose, so the notice is silenced here with the SDK's own switch.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let embedded: EmbeddedDatabase | undefined;
let tmpDir: string | undefined;
let server: Server | undefined;
let adminUrl = '';
let dbName = '';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-test-'));
    // As root, embedded-postgres runs initdb as the `postgres` user, which must traverse this folder.
    chmodSync(tmpDir, 0o755);
    if (process.env.TEST_DATABASE_URL) {
      adminUrl = process.env.TEST_DATABASE_URL;
    } else {
      embedded = await startEmbeddedPostgres(path.join(tmpDir, 'pg'), { persistent: false });
      adminUrl = embedded.url;
    }
    dbName = `clinicflow_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin(`create database ${dbName}`);
    const databaseUrl = withDatabase(adminUrl, dbName);

    const smtp = new SmtpInbox();
    await smtp.start();
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
      DATA_DIR: tmpDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      APP_URL: 'http://clinicflow.test',
      WORKER_CONCURRENCY: '8',
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      AUTH_RATE_LIMIT_PER_IP: '100000',
      // Whole-suite traffic comes from one address and a handful of users; limit tests lower these.
      REGISTER_RATE_LIMIT_PER_IP: '100000',
      UPLOAD_RATE_LIMIT_PER_HOUR: '100000',
      // Rate-limit tests simulate distinct clients with X-Forwarded-For.
      TRUST_PROXY: 'true',
      STRIPE_SECRET_KEY: 'sk_test_clinicflow',
      STRIPE_WEBHOOK_SECRET: 'whsec_clinicflow_test',
      STRIPE_API_URL: process.env.TEST_STRIPE_API_URL,
    });
    const logger = createLogger(config.logLevel);
    const knex = connectDatabase(databaseUrl, 20);
    await migrateDatabase(knex, databaseUrl);
    const mailer = createMailer({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      outboxDir: path.join(tmpDir, 'outbox'),
    });
    setServices({ config, logger, mailer, jwtSecret: config.jwtSecret!, crontab: buildCrontab() });
    const worker = await startWorker({
      connectionString: databaseUrl,
      concurrency: config.workerConcurrency,
      logger,
      onEvents: workerExtensions(config, logger),
    });
    const app = createApp({
      logger,
      appUrl: config.appUrl,
      trustProxy: config.trustProxy,
      middleware: webMiddleware(config),
      observe: contractObserver,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    const port = (server.address() as { port: number }).port;
    setTestContext({
      baseUrl: `http://127.0.0.1:${port}`,
      databaseUrl,
      adminUrl,
      config,
      knex,
      smtp,
      worker,
    });
  },

  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    if (contractViolations.size) {
      // Every answer the suite saw is checked against /openapi.json; a gap fails the run.
      console.error(
        `\n${contractViolations.size} answers outside the documented contract:\n  ${[...contractViolations].sort().join('\n  ')}`,
      );
      process.exitCode = 1;
    }
    await runShutdownHooks();
    let ctx;
    try {
      ctx = testContext();
    } catch {
      await embedded?.stop();
      return;
    }
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await ctx.worker.stop();
    await disconnectDatabase();
    // Close the mailer's pooled SMTP connections first, or the server waits out its close timeout.
    services().mailer.close();
    await ctx.smtp.stop();
    await admin(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await embedded?.stop();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  },
};
