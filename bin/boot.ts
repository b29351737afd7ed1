import type { Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { format } from 'node:util';
import { createApp } from '../api/app.js';
import { ensureSuperAdmin } from '../domain/auth/ensure-super-admin.js';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { ConfigError, loadConfig, type Config } from '../lib/config.js';
import {
  ensureDatabase,
  publishDatabaseUrl,
  runningEmbeddedDatabaseUrl,
  startEmbeddedPostgres,
  unpublishDatabaseUrl,
  type EmbeddedDatabase,
} from '../lib/embedded-postgres.js';
import { loadEnvFile } from '../lib/env-file.js';
import { resolveJwtSecret } from '../lib/jwt-secret.js';
import { createLogger, wantsPrettyLogs } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { loadS3Sdk } from '../lib/storage/s3.js';
import { setReadinessCheck } from '../lib/readiness.js';
import { runShutdownHooks } from '../lib/shutdown.js';
import type { WorkerHandle } from '../worker/index.js';
import { buildCrontab, buildTaskList } from '../worker/task-list.js';
import { faultProbeTask } from '../worker/tasks/ops/fault_probe.js';
import { workerExtensions, webMiddleware } from './extensions.js';

export interface BootOptions {
  web: boolean;
  /** Run the worker in this process; undefined follows RUN_WORKER. */
  worker?: boolean;
  migrate: boolean;
  /** Default for RUN_WORKER when the variable is unset. */
  runWorkerDefault: boolean;
}

/** The URL people type for a listening address: `localhost` for the wildcard addresses. */
function displayUrl(host: string, port: number): string {
  const h = ['0.0.0.0', '::', ''].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/**
 * Starts the parts of clinicflow this process runs (web, worker, migrations), wires SIGTERM and
 * SIGINT to a graceful drain, and resolves once everything is listening.
 *
 * With no `DATABASE_URL` it uses the embedded PostgreSQL a running `npm start` published under
 * `DATA_DIR`, or starts one itself: then it publishes the URL in `DATA_DIR/database-url` for the
 * other commands and, on SIGTERM or SIGINT, stops the cluster last, after requests and jobs drained.
 */
export async function boot(opts: BootOptions): Promise<void> {
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig(process.env, { runWorker: opts.runWorkerDefault });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`clinicflow: invalid configuration: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, 'clinicflow', {
    pretty: wantsPrettyLogs(config.nodeEnv),
  });
  // Libraries that print straight to the console (graphile-worker's console.trace of a worker that
  // lost its connection, its batch retry messages) go through the structured log too.
  const consoleLog = logger.child({ component: 'console' });
  console.error = (...args: unknown[]) => consoleLog.error({ detail: format(...args) }, 'console.error');
  console.warn = (...args: unknown[]) => consoleLog.warn({ detail: format(...args) }, 'console.warn');
  console.trace = (...args: unknown[]) => consoleLog.warn({ detail: format(...args) }, 'console.trace');
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl ?? (await runningEmbeddedDatabaseUrl(config.dataDir));
  if (!config.databaseUrl && databaseUrl) {
    logger.info('DATABASE_URL is unset: using the embedded PostgreSQL that `npm start` is running');
  }
  if (!databaseUrl) {
    logger.info(
      { dir: path.join(config.dataDir, 'pg') },
      'DATABASE_URL is unset: starting an embedded PostgreSQL',
    );
    try {
      embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'));
    } catch (err) {
      logger.fatal((err as Error).message);
      process.exit(1);
    }
    databaseUrl = await ensureDatabase(embedded.url, 'clinicflow');
    await publishDatabaseUrl(config.dataDir, databaseUrl);
  }
  const knex = connectDatabase(databaseUrl, config.databasePoolSize, logger);
  const jwtSecret = await resolveJwtSecret(config);
  const mailer = createMailer({
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    outboxDir: path.join(config.dataDir, 'outbox'),
  });
  setServices({ config, logger, mailer, jwtSecret, crontab: buildCrontab() });
  if (opts.migrate || embedded) await migrateDatabase(knex, databaseUrl);
  if (!opts.web && !(opts.worker ?? false)) {
    await shutdown();
    return;
  }
  if (config.superAdmin) await ensureSuperAdmin(config.superAdmin);

  let server: Server | undefined;
  let worker: WorkerHandle | undefined;
  const runWorker = opts.worker ?? config.runWorker;
  if (runWorker) {
    // The runner (and graphile-worker with it, ≈ 18 MB of RSS) is loaded only by processes that run it.
    const { startWorker } = await import('../worker/index.js');
    worker = await startWorker({
      connectionString: databaseUrl,
      concurrency: config.workerConcurrency,
      logger,
      onEvents: workerExtensions(config, logger),
      taskList: config.faultProbeTask
        ? { ...buildTaskList(), [faultProbeTask.name]: faultProbeTask.run }
        : undefined,
      restartMinMs: config.workerRestartMinMs,
      restartMaxMs: config.workerRestartMaxMs,
    });
    // A process meant to run a worker is not ready while its runner is dead or restarting.
    const handle = worker;
    setReadinessCheck('worker', () => handle.isAlive());
  }
  if (opts.web) {
    // Every upload and download goes through the SDK when S3 is configured: load it before listening.
    if (config.s3) loadS3Sdk();
    const app = createApp({
      logger,
      appUrl: config.appUrl,
      trustProxy: config.trustProxy,
      middleware: webMiddleware(config),
    });
    server = app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
    server.keepAliveTimeout = 65_000;
    const address = server.address();
    const url = displayUrl(config.host, typeof address === 'object' && address ? address.port : config.port);
    logger.info(
      {
        url,
        docs: `${url}/docs`,
        console: `${url}/console`,
        worker: runWorker,
        ...(embedded
          ? { database: databaseUrl, databaseUrlFile: path.join(config.dataDir, 'database-url') }
          : {}),
      },
      `clinicflow is listening on ${url}`,
    );
  }

  let stopping = false;
  // `server.close()` alone keeps serving requests on open keep-alive connections and then waits out
  // keepAliveTimeout (65 s) for them to go idle. While draining, every response not yet started says
  // `Connection: close` and idle connections are dropped as they appear, so the drain ends as soon as
  // the last accepted request is answered.
  const pending = new Set<ServerResponse>();
  server?.on('request', (_req, res: ServerResponse) => {
    if (stopping) {
      res.shouldKeepAlive = false;
      return;
    }
    pending.add(res);
    res.once('close', () => pending.delete(res));
  });
  async function shutdown(): Promise<void> {
    await mailer.close();
    await disconnectDatabase();
    if (embedded) {
      await unpublishDatabaseUrl(config.dataDir);
      await embedded.stop();
    }
  }
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
    const closed = server ? new Promise<void>((r) => server!.close(() => r())) : Promise.resolve();
    server?.closeIdleConnections();
    const sweep = server ? setInterval(() => server!.closeIdleConnections(), 100) : undefined;
    await runShutdownHooks();
    await Promise.all([closed, worker?.stop()]);
    clearInterval(sweep);
    await shutdown();
    logger.info('stopped');
    process.exit(0);
  };
  // embedded-postgres (through async-exit-hook) stops the cluster on the first signal, which would
  // pull the database out from under the drain; this process stops it itself, last. A Ctrl-C
  // reaches this process twice (from the terminal, and forwarded by npm): the listeners stay, so a
  // repeated signal is ignored instead of killing the process mid-drain.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void drain('SIGTERM'));
  process.on('SIGINT', () => void drain('SIGINT'));
}
