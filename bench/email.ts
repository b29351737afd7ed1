/**
 * Email throughput: N `send_email` jobs through clinicflow's worker (render, ledger row, SMTP) to an
 * in-process SMTP sink, against bare nodemailer sending the same rendered message N times to the same
 * sink with the same number of sends in flight and the same pooled transport settings. Three
 * alternating rounds per side, the best of each reported.
 */
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { renderEmail } from '../lib/email-templates.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { sendEmailTask } from '../worker/tasks/core/send_email.js';
import { runMigrations } from 'graphile-worker';
import { clinicflowWorker } from './jobs.js';
import { benchPool, type BenchResult, closeBenchApp, fmt, freshDatabase } from './lib.js';

const EMAILS = Number(process.env.BENCH_EMAILS ?? 2_000);
/** Alternating rounds per side; the best of each is reported. */
const ROUNDS = 3;
const CONCURRENCY = 10;
const LIMIT_MS = 180_000;
const TEMPLATE = 'system_notification';
const VARS = { recipientName: 'Dana Bench', title: 'Benchmark', body: 'A message of ordinary length.' };

/** An SMTP server that accepts and discards everything, counting messages. */
class Sink {
  received = 0;
  private waiter: { n: number; resolve: () => void } | undefined;
  readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onData: (stream, _session, cb) => {
      stream.on('data', () => {});
      stream.on('end', () => {
        this.received += 1;
        if (this.waiter && this.received >= this.waiter.n) this.waiter.resolve();
        cb();
      });
    },
  });
  port = 0;
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.server.address() as { port: number }).port;
  }
  /** Resolves when `n` messages in total have arrived (rejects after LIMIT_MS). */
  until(n: number): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.received}/${n} emails arrived`)), LIMIT_MS);
      this.waiter = {
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
    });
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * One side's run: its rate, and the CPU time of this process per email (worker, mailer and SMTP sink
 * together), which a loaded machine distorts far less than wall time.
 */
interface Run {
  rate: number;
  cpuMs: number;
}

async function timed(fn: () => Promise<void>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(c0);
  return { rate: EMAILS / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / EMAILS };
}

/** The faster run's rate and the lower CPU per email (each side's best figures). */
const best = (a: Run, b: Run): Run => ({ rate: Math.max(a.rate, b.rate), cpuMs: Math.min(a.cpuMs, b.cpuMs) });

/** Runs the email benchmark and returns its result rows. */
export async function benchEmail(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  const sink = new Sink();
  await sink.start();
  const smtpUrl = `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`;
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, SMTP_URL: smtpUrl });
  const logger = createLogger('silent');
  const mailer = createMailer({ smtpUrl, from: config.mailFrom, outboxDir: '/nonexistent' });
  setServices({ config, logger, mailer, jwtSecret: randomBytes(32).toString('hex') });
  try {
    const knex = connectDatabase(db.url, CONCURRENCY + 2);
    await migrateDatabase(knex, db.url);
    const pool = benchPool(db.url, 2);
    await runMigrations({ pgPool: pool });

    // Bare: the same rendered message, N sends, CONCURRENCY in flight, nodemailer's pool as ours.
    const rendered = await renderEmail(TEMPLATE, {
      clinicName: config.clinicName,
      appUrl: config.appUrl,
      ...VARS,
    });
    const bareRun = async (): Promise<Run> => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: sink.port,
        ignoreTLS: true,
        pool: true,
        maxConnections: 5,
        maxRequeues: 0,
      });
      const base = sink.received;
      let next = 0;
      const run = await timed(async () => {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < EMAILS)
              await transport.sendMail({ from: config.mailFrom, to: 'patient@bench.test', ...rendered });
          }),
        );
        await sink.until(base + EMAILS);
      });
      transport.close();
      return run;
    };

    // clinicflow: N queued send_email jobs (distinct ledger keys) through the worker with history on.
    // This process hosts the worker (and the SMTP sink): its RSS, sampled while the worker runs.
    let peakRss = process.memoryUsage().rss;
    const oursRun = async (round: number): Promise<Run> => {
      await pool.query('vacuum analyze graphile_worker._private_jobs');
      await pool.query(
        `select graphile_worker.add_jobs(array(
           select ('send_email', json_build_object('ledgerKey', 'bench:' || $4::int || ':' || i, 'template', $2::text,
                   'to', 'patient@bench.test', 'vars', $3::json), null, null, null, null, null, null)::graphile_worker.job_spec
             from generate_series(1, $1) as i))`,
        [EMAILS, TEMPLATE, JSON.stringify(VARS), round],
      );
      const base = sink.received;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      let worker: { stop(): Promise<void> } | undefined;
      try {
        return await timed(async () => {
          worker = await clinicflowWorker()(db.url, { send_email: sendEmailTask.run });
          await sink.until(base + EMAILS);
        });
      } finally {
        clearInterval(sampler);
        await worker?.stop();
      }
    };

    // Best of ROUNDS alternating runs each (as in bench/jobs.ts): on a shared machine one disturbed
    // run must not decide the ratio.
    let bare: Run = { rate: 0, cpuMs: Infinity };
    let ours: Run = { rate: 0, cpuMs: Infinity };
    for (let round = 0; round < ROUNDS; round++) {
      bare = best(bare, await bareRun());
      ours = best(ours, await oursRun(round));
    }
    const { rows } = await pool.query('select count(*)::int as n from email_deliveries');
    if (rows[0].n !== EMAILS * ROUNDS)
      throw new Error(`expected ${EMAILS * ROUNDS} ledger rows, found ${rows[0].n}`);
    await pool.end();
    return [
      {
        name: `emails/s (${EMAILS.toLocaleString('en-US')} to a local SMTP sink, ${CONCURRENCY} in flight)`,
        clinicflow: `${fmt(ours.rate, 0)}/s, ${fmt(ours.cpuMs, 2)} ms CPU each (send_email jobs: render + ledger + send)`,
        baseline: `${fmt(bare.rate, 0)}/s, ${fmt(bare.cpuMs, 2)} ms CPU each (bare nodemailer, pre-rendered)`,
        ratio: fmt(ours.rate / bare.rate, 2),
        target: '≥ 0.70',
        met: ours.rate / bare.rate >= 0.7,
      },
      {
        name: 'emails: peak RSS of the worker process (with the SMTP sink) while sending',
        clinicflow: `${fmt(peakRss / 2 ** 20, 0)} MB`,
        baseline: '—',
        ratio: '—',
        target: '—',
        met: null,
      },
    ];
  } finally {
    mailer.close();
    await closeBenchApp();
    await sink.stop();
    await db.drop();
  }
}
