/**
 * API throughput and latency at 50 connections (autocannon): `POST /appointments` with a distinct
 * slot per request beside a bare single-row INSERT loop into a copy of the appointments table (same
 * columns, checks, indexes and exclusion constraint) with 50 concurrent clients, and
 * `GET /doctors/:id/slots` (one day of 5-minute slots) beside a bare Koa handler answering the same
 * JSON. clinicflow's app runs in this process; autocannon runs in a child process so the load
 * generator does not share the server's event loop. The worker is not started: queued jobs just wait.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Koa from 'koa';
import { createApp } from '../api/app.js';
import { webMiddleware } from '../bin/extensions.js';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { issueToken } from '../domain/auth/tokens.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { benchPool, type BenchResult, closeBenchApp, fmt, freshDatabase, percentile } from './lib.js';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_API_SECONDS ?? 10);
const WARMUP_S = 2;
const SLOT_MINUTES = 5;
/** Distinct bookable slots prepared; far more than 50 connections book in the run. */
const SLOTS = 100_000;
const PATIENTS = 200;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

interface CannonSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** POST bodies, used in turn (one per request). */
  bodies?: string[];
  duration: number;
}

interface CannonResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const self = fileURLToPath(import.meta.url);

/** Child process side: one autocannon run, summary as JSON on stdout. */
async function cannon(spec: CannonSpec): Promise<CannonResult> {
  const { default: autocannon } = await import('autocannon');
  let i = 0;
  const bodies = spec.bodies;
  const result = await autocannon({
    url: spec.url,
    connections: CONNECTIONS,
    duration: spec.duration,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(bodies && {
          setupRequest: (req: object) => {
            if (i >= bodies.length) throw new Error('ran out of distinct slots');
            return { ...req, body: bodies[i++] };
          },
        }),
      },
    ],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / (result.duration || spec.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function runCannon(spec: CannonSpec): Promise<CannonResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-bench-api-'));
  const file = path.join(dir, 'spec.json');
  try {
    writeFileSync(file, JSON.stringify(spec));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', self, 'cannon', file],
      { timeout: (spec.duration + 60) * 1000, maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout) as CannonResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listen(app: Koa): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }),
    );
  });
}

const close = (s: Server) =>
  new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

/**
 * Bare INSERT loop: CONNECTIONS clients each inserting one row per statement (autocommit) into a copy
 * of `appointments`, distinct slots, for DURATION_S seconds; returns rate and per-insert latencies.
 */
async function insertLoop(
  url: string,
  doctorId: string,
  patients: string[],
  createdBy: string,
  firstSlot: number,
): Promise<{ perSecond: number; p50: number; p99: number }> {
  const pool = benchPool(url, CONNECTIONS);
  const latencies: number[] = [];
  let next = 0;
  const loop = async (until: number, record: boolean) => {
    while (performance.now() < until && next < SLOTS) {
      const n = next++;
      const startsAt = new Date(firstSlot + n * SLOT_MINUTES * MINUTE_MS);
      const t = performance.now();
      await pool.query(
        `insert into bench_appointments (doctor_id, patient_id, starts_at, ends_at, buffer_minutes, status,
                                         fee_cents, currency, refund_policy, created_by)
         values ($1, $2, $3, $4, 0, 'pending', 0, 'usd', '{}', $5) returning *`,
        [
          doctorId,
          patients[n % patients.length],
          startsAt,
          new Date(startsAt.getTime() + SLOT_MINUTES * MINUTE_MS),
          createdBy,
        ],
      );
      if (record) latencies.push(performance.now() - t);
    }
  };
  await Promise.all(
    Array.from({ length: CONNECTIONS }, () => loop(performance.now() + WARMUP_S * 1000, false)),
  );
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, () => loop(t0 + DURATION_S * 1000, true)));
  const seconds = (performance.now() - t0) / 1000;
  await pool.end();
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Runs the API benchmarks and returns their result rows. */
export async function benchApi(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const mailer = createMailer({
    from: config.mailFrom,
    outboxDir: path.join(os.tmpdir(), 'clinicflow-bench-outbox'),
  });
  setServices({ config, logger, mailer, jwtSecret: randomBytes(32).toString('hex') });
  const knex = connectDatabase(db.url, config.databasePoolSize);
  const servers: Server[] = [];
  try {
    await migrateDatabase(knex, db.url);
    const user = async (role: string) => {
      const [u] = await knex('users')
        .insert({
          name: `bench ${role}`,
          email: `${role}-${randomBytes(4).toString('hex')}@bench.test`,
          passwordHash: 'x',
          role,
          status: 'active',
          emailVerified: true,
        })
        .returning(['id', 'tokenGeneration']);
      return {
        id: u.id as string,
        token: issueToken({ id: u.id, role: role as 'staff', tokenGeneration: u.tokenGeneration }).token,
      };
    };
    // One doctor in UTC (the figures in the table) and one in Europe/Berlin: slot computation in a
    // zone with DST goes through Intl for every slot, which UTC skips.
    const doctor = await user('doctor');
    await knex('doctors').insert({ id: doctor.id, specialization: 'general', timeZone: 'UTC', feeCents: 0 });
    const berlin = await user('doctor');
    await knex('doctors').insert({
      id: berlin.id,
      specialization: 'general',
      timeZone: 'Europe/Berlin',
      feeCents: 0,
    });
    const staff = await user('staff');
    const patients = (
      await knex('patients')
        .insert(Array.from({ length: PATIENTS }, (_, i) => ({ name: `Bench patient ${i}`, timeZone: 'UTC' })))
        .returning('id')
    ).map((p: { id: string }) => p.id);

    const app = await listen(createApp({ logger, middleware: webMiddleware(config) }));
    servers.push(app.server);
    const api = `${app.url}/api/v1`;
    for (const [d, timeZone] of [
      [doctor, 'UTC'],
      [berlin, 'Europe/Berlin'],
    ] as const) {
      const put = await fetch(`${api}/doctors/${d.id}/availability`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          timeZone,
          slotMinutes: SLOT_MINUTES,
          horizonDays: 365,
          weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
        }),
      });
      if (!put.ok) throw new Error(`PUT availability: ${put.status} ${await put.text()}`);
    }

    // Slots start tomorrow 00:00 UTC; the INSERT loop uses its own table, so it may reuse the times.
    const firstSlot = Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    const bodies = Array.from({ length: SLOTS }, (_, n) =>
      JSON.stringify({
        doctorId: doctor.id,
        patientId: patients[n % PATIENTS],
        startsAt: new Date(firstSlot + n * SLOT_MINUTES * MINUTE_MS).toISOString(),
      }),
    );
    const auth = { authorization: `Bearer ${staff.token}` };
    // One day, 200 days ahead (a day without bookings: the listing's cost, not the busy query's).
    const window = `from=${new Date(firstSlot + 200 * DAY_MS).toISOString()}&to=${new Date(firstSlot + 201 * DAY_MS).toISOString()}`;
    const slotsPath = `/api/v1/doctors/${doctor.id}/slots?${window}`;
    const berlinPath = `/api/v1/doctors/${berlin.id}/slots?${window}`;

    // Bare Koa: the same JSON body the slot listing answers, from memory.
    const sample = await fetch(`${app.url}${slotsPath}`, { headers: auth });
    if (!sample.ok) throw new Error(`GET slots: ${sample.status} ${await sample.text()}`);
    const slotsJson = await sample.text();
    const slotCount = (JSON.parse(slotsJson) as { items: unknown[] }).items.length;
    const bareApp = new Koa();
    bareApp.use((ctx) => {
      ctx.type = 'application/json';
      ctx.body = JSON.parse(slotsJson);
    });
    const bare = await listen(bareApp);
    servers.push(bare.server);

    const getSpec = (url: string, duration: number, p = slotsPath): CannonSpec => ({
      url,
      method: 'GET',
      path: p,
      headers: auth,
      duration,
    });
    await runCannon(getSpec(bare.url, WARMUP_S));
    const bareGet = await runCannon(getSpec(bare.url, DURATION_S));
    await runCannon(getSpec(app.url, WARMUP_S));
    const slots = await runCannon(getSpec(app.url, DURATION_S));
    const berlinSlots = await runCannon(getSpec(app.url, DURATION_S, berlinPath));

    const postSpec: CannonSpec = {
      url: app.url,
      method: 'POST',
      path: '/api/v1/appointments',
      headers: { ...auth, 'content-type': 'application/json' },
      bodies,
      duration: DURATION_S,
    };
    const booking = await runCannon(postSpec);
    const booked = await knex('appointments').count<{ count: string }[]>('* as count');

    await knex.raw('create table bench_appointments (like appointments including all)');
    const inserts = await insertLoop(db.url, doctor.id, patients, staff.id, firstSlot);

    const check = (r: CannonResult, what: string) => {
      if (r.non2xx || r.errors) throw new Error(`${what}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    };
    check(bareGet, 'bare Koa');
    check(slots, 'GET slots');
    check(berlinSlots, 'GET slots (Europe/Berlin)');
    check(booking, 'POST /appointments');
    // Requests still in flight when autocannon stops may commit without being counted, never fewer.
    if (Number(booked[0].count) < booking.requests)
      throw new Error(`${booking.requests} bookings answered but ${booked[0].count} rows stored`);

    const ms = (n: number) => `${fmt(n, 1)} ms`;
    return [
      {
        name: `POST /appointments, ${CONNECTIONS} connections, distinct slots: req/s`,
        clinicflow: `${fmt(booking.perSecond, 0)} req/s`,
        baseline: `${fmt(inserts.perSecond, 0)} rows/s (bare single-row INSERT, ${CONNECTIONS} clients)`,
        ratio: fmt(booking.perSecond / inserts.perSecond, 2),
        target: '≥ 0.40',
        met: booking.perSecond / inserts.perSecond >= 0.4,
      },
      {
        name: 'POST /appointments p50 / p99',
        clinicflow: `${ms(booking.p50)} / ${ms(booking.p99)}`,
        baseline: `${ms(inserts.p50)} / ${ms(inserts.p99)}`,
        ratio: fmt(inserts.p99 / booking.p99, 2),
        target: '—',
        met: null,
      },
      {
        name: `GET /doctors/:id/slots (1 day, ${slotCount} slots), ${CONNECTIONS} connections: req/s`,
        clinicflow: `${fmt(slots.perSecond, 0)} req/s`,
        baseline: `${fmt(bareGet.perSecond, 0)} req/s (bare Koa, same JSON)`,
        ratio: fmt(slots.perSecond / bareGet.perSecond, 2),
        target: '—',
        met: null,
      },
      {
        name: 'GET /doctors/:id/slots p50 / p99',
        clinicflow: `${ms(slots.p50)} / ${ms(slots.p99)}`,
        baseline: `${ms(bareGet.p50)} / ${ms(bareGet.p99)}`,
        ratio: fmt(bareGet.p99 / slots.p99, 2),
        target: 'p99 ≤ 20 ms',
        met: slots.p99 <= 20,
      },
      {
        name: 'GET /doctors/:id/slots, doctor in Europe/Berlin: req/s, p50 / p99',
        clinicflow: `${fmt(berlinSlots.perSecond, 0)} req/s, ${ms(berlinSlots.p50)} / ${ms(berlinSlots.p99)}`,
        baseline: `${fmt(bareGet.perSecond, 0)} req/s, ${ms(bareGet.p50)} / ${ms(bareGet.p99)} (bare Koa)`,
        ratio: fmt(berlinSlots.perSecond / bareGet.perSecond, 2),
        target: 'p99 ≤ 20 ms',
        met: berlinSlots.p99 <= 20,
      },
    ];
  } finally {
    await Promise.all(servers.map(close));
    await closeBenchApp();
    mailer.close();
    await db.drop();
  }
}

if (process.argv[1] === self && process.argv[2] === 'cannon') {
  const spec = JSON.parse(readFileSync(process.argv[3], 'utf8')) as CannonSpec;
  process.stdout.write(JSON.stringify(await cannon(spec)));
}
