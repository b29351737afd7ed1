/** Shared pieces of the benchmarks: a fresh database per run, timing helpers, result rows. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/embedded-postgres.js';
import { disconnectDatabase } from '../db/knex.js';
import { runShutdownHooks } from '../lib/shutdown.js';

export interface BenchResult {
  name: string;
  clinicflow: string;
  baseline: string;
  /** clinicflow ÷ baseline (or baseline ÷ clinicflow for latencies, so > 1 is always "clinicflow better"). */
  ratio: string;
  target: string;
  met: boolean | null;
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

let embedded: EmbeddedDatabase | undefined;
let embeddedDir: string | undefined;

/** A new empty database on BENCH_DATABASE_URL's server, or on an embedded PostgreSQL. */
export async function freshDatabase(): Promise<BenchDatabase> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    if (!embedded) {
      embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-bench-'));
      // As root, initdb runs as the `postgres` user, which must traverse this folder.
      chmodSync(embeddedDir, 0o755);
      embedded = await startEmbeddedPostgres(path.join(embeddedDir, 'pg'), { persistent: false });
    }
    adminUrl = embedded.url;
  }
  const name = `clinicflow_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Stops the embedded PostgreSQL if one was started. */
export async function stopBenchDatabases(): Promise<void> {
  await embedded?.stop();
  embedded = undefined;
  if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
  embeddedDir = undefined;
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A small pg.Pool with the error handlers graphile-worker expects (an idle client's error is ignored). */
export function benchPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Ends what an in-process app left running on a bench's database — the process's one LISTEN
 * connection, the caches subscribed to it — then closes the pool, so the next bench in the same
 * process starts clean (the listener would otherwise stay bound to a database that is dropped).
 */
export async function closeBenchApp(): Promise<void> {
  await runShutdownHooks();
  await disconnectDatabase();
}
