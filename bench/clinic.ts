/**
 * `npm run bench -- clinic`: a clinic network under a realistic mix, against the physical limit of
 * the stack in the same run.
 *
 * Data (bulk SQL, generate_series): 200 doctors in three time zones (New York, Berlin, Tokyo) with
 * visiting hours Mon–Fri 07:00–19:00 and Sat 08:00–14:00 local on three slot grids, 20,000 patients with medical records,
 * ~500,000 past appointments over 90 days (completed, cancelled, no-show) and ~40 % of the next 30
 * days' slots booked (confirmed).
 *
 * Load (autocannon, in a child process; each server in its own child process so its peak RSS is its
 * own): at 10 and 50 connections for BENCH_CLINIC_SECONDS (default 10; the issue's figure is 30) a
 * mix of 60 % slot listings (one day or one week of a random doctor), 10 % bookings (a random free
 * slot of a random doctor; 409s counted as conflicts), 10 % appointment lists (a doctor's day),
 * 10 % medical-record reads (a doctor reading one of their patients) and 10 % queue adds/updates.
 * The same mix runs first against the bare baseline, then against clinicflow, back to back.
 *
 * The bare baseline is the physical limit of this stack: Koa, the same JWT verification (no
 * revocation lookup), one pg pool of the same size, and per request the same INSERT (booking, into a
 * copy of `appointments` with the same constraints and foreign keys), the same two SELECTs plus the
 * slot grid stripped to one loop that writes the JSON (slots), the same SELECT (lists, records) and
 * the same counter upsert + INSERT / UPDATE (queue).
 *
 * Also: one doctor booked by 50 connections (every booking serialises on that doctor: the worst
 * case, by design), a month of one doctor's slots at 1 connection, and the next free slots across
 * all 200 doctors (`GET /slots`) at 10 connections.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import { DateTime } from 'luxon';
import { benchPool, fmt, freshDatabase, percentile, type BenchResult } from './lib.js';

const self = fileURLToPath(import.meta.url);
const SECONDS = Number(process.env.BENCH_CLINIC_SECONDS ?? 10);
/** Parts to run (`BENCH_CLINIC_PARTS=month,next`): mix, month, next, serial. (Default: all) */
const PARTS = new Set(
  (process.env.BENCH_CLINIC_PARTS ?? 'mix,month,next,serial').split(',').map((p) => p.trim()),
);
for (const p of PARTS)
  if (!['mix', 'month', 'next', 'serial'].includes(p))
    throw new Error(`BENCH_CLINIC_PARTS: unknown part ${p}`);
const WARMUP_S = 3;
const DOCTORS = 200;
const PATIENTS = 20_000;
const PAST_DAYS = 90;
const FUTURE_DAYS = 30;
const STAFF = 50;
const POOL = 10;
const DAY_MS = 86_400_000;
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
const SPECIALIZATIONS = [
  'cardiology',
  'dermatology',
  'general',
  'neurology',
  'orthopedics',
  'pediatrics',
  'psychiatry',
  'radiology',
];
/** Slot grid per zone index: slot minutes, buffer minutes. */
const GRIDS = [
  [20, 0],
  [30, 10],
  [15, 0],
] as const;
const OPS = ['slots', 'booking', 'list', 'record', 'queue'] as const;
type Op = (typeof OPS)[number];

// ---------------------------------------------------------------- seeding

export async function seed(url: string): Promise<void> {
  const pool = benchPool(url, 1);
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
  await q(`
    insert into users (name, email, password_hash, role, status, email_verified)
    select 'Dr Bench ' || i, 'doctor' || i || '@bench.test', 'x', 'doctor', 'active', true from generate_series(1, ${DOCTORS}) i;
    insert into users (name, email, password_hash, role, status, email_verified)
    select 'Staff ' || i, 'staff' || i || '@bench.test', 'x', 'staff', 'active', true from generate_series(1, ${STAFF}) i;
    create temporary table doc as
      select id, (row_number() over (order by email) - 1)::int as n from users where role = 'doctor';
    insert into doctors (id, specialization, time_zone, fee_cents)
      select id, (array[${SPECIALIZATIONS.map((s) => `'${s}'`).join(',')}])[n % ${SPECIALIZATIONS.length} + 1],
             (array[${ZONES.map((z) => `'${z}'`).join(',')}])[n % 3 + 1], 0 from doc;
    insert into doctor_availability (doctor_id, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days, weekly)
      select id, (array[${GRIDS.map((g) => g[0]).join(',')}])[n % 3 + 1], (array[${GRIDS.map((g) => g[1]).join(',')}])[n % 3 + 1], 60, 90,
             (select jsonb_agg(jsonb_build_object('weekday', w, 'start', case when w = 6 then '08:00' else '07:00' end,
                                                 'end', case when w = 6 then '14:00' else '19:00' end))
                from generate_series(1, 6) w)
        from doc;
    insert into patients (name, time_zone) select 'Patient ' || i, 'UTC' from generate_series(1, ${PATIENTS}) i;
    create temporary table pat as select id, (row_number() over (order by id) - 1)::int as n from patients;
    create index on pat (n);
    insert into medical_records (patient_id, allergies, conditions, lifestyle)
      select id, '["penicillin"]', '[{"name": "hypertension", "since": "2019"}]', '{"smoker": false}' from pat;
  `);
  // Past and future appointments on each doctor's own grid in their own zone.
  const grid = (days: string, status: string, keep: string) => `
    insert into appointments (doctor_id, patient_id, starts_at, ends_at, buffer_minutes, status, fee_cents, currency, created_at)
    select g.doctor_id, pat.id, g.starts_at, g.starts_at + make_interval(mins => g.slot_minutes), g.buffer_minutes, ${status}, 0, 'usd', now()
      from (
        select d.id as doctor_id, a.slot_minutes, a.buffer_minutes, k, j, random() as r,
               ((current_date + k) + h.opens + make_interval(mins => j * (a.slot_minutes + a.buffer_minutes)))
                 at time zone dr.time_zone as starts_at
          from doc d join doctors dr on dr.id = d.id join doctor_availability a on a.doctor_id = d.id
          cross join generate_series(${days}) k
          cross join lateral (
            select case when extract(isodow from current_date + k) = 6 then time '08:00' else time '07:00' end as opens,
                   case when extract(isodow from current_date + k) = 6 then 360 else 720 end as minutes
          ) h
          cross join lateral generate_series(0, h.minutes / (a.slot_minutes + a.buffer_minutes) - 1) j
         where extract(isodow from current_date + k) <= 6
      ) g
      join pat on pat.n = abs(hashtext(g.doctor_id::text || ':' || g.k || ':' || g.j)) % ${PATIENTS}
     where ${keep}`;
  await q(
    grid(
      `-${PAST_DAYS}, -1`,
      `case when r < 0.85 then 'completed' when r < 0.93 then 'cancelled' else 'no-show' end`,
      'true',
    ),
  );
  await q(grid(`1, ${FUTURE_DAYS}`, `'confirmed'`, 'g.r < 0.4'));
  await q(`
    create table bench_appointments (like appointments including all);
    alter table bench_appointments add foreign key (doctor_id) references doctors(id),
      add foreign key (patient_id) references patients(id), add foreign key (created_by) references users(id);
    create table bench_queue_counters (like queue_counters including all);
    create table bench_queue_entries (like queue_entries including all);
    alter table bench_queue_entries add foreign key (patient_id) references patients(id),
      add foreign key (doctor_id) references doctors(id);
  `);
  await q('vacuum analyze');
  await pool.end();
}

// ---------------------------------------------------------------- servers (child processes)

interface ServerSpec {
  databaseUrl: string;
  jwtSecret: string;
}

/** clinicflow's web process: the real app, no worker (queued jobs wait). */
async function serveClinicflow(spec: ServerSpec): Promise<void> {
  const { createApp } = await import('../api/app.js');
  const { webMiddleware } = await import('../bin/extensions.js');
  const { connectDatabase } = await import('../db/knex.js');
  const { loadConfig } = await import('../lib/config.js');
  const { createLogger } = await import('../lib/logger.js');
  const { createMailer } = await import('../lib/mailer.js');
  const { setServices } = await import('../lib/services.js');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: spec.databaseUrl,
    JWT_SECRET: spec.jwtSecret,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: String(POOL),
  });
  const logger = createLogger('silent');
  const mailer = createMailer({
    from: config.mailFrom,
    outboxDir: path.join(os.tmpdir(), 'clinicflow-bench-outbox'),
  });
  setServices({ config, logger, mailer, jwtSecret: spec.jwtSecret });
  connectDatabase(spec.databaseUrl, config.databasePoolSize);
  const server = createApp({ logger, middleware: webMiddleware(config) }).listen(0, '127.0.0.1', () =>
    process.stdout.write(`listening http://127.0.0.1:${(server.address() as { port: number }).port}\n`),
  );
}

interface AvailabilityRow {
  time_zone: string;
  slot_minutes: number;
  buffer_minutes: number;
  min_notice_minutes: number;
  horizon_days: number;
  weekly: { weekday: number; start: string; end: string }[];
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The slot grid stripped to one loop: per local day, the range start via the zone once, then
 * arithmetic per slot, busy intervals walked with one pointer, JSON written as it goes.
 */
function bareSlotsJson(a: AvailabilityRow, busy: number[][], from: number, to: number, now: number): string {
  const lo = Math.max(from, now + a.min_notice_minutes * 60_000);
  const hi = Math.min(to, now + a.horizon_days * DAY_MS);
  const step = (a.slot_minutes + a.buffer_minutes) * 60_000;
  const len = a.slot_minutes * 60_000;
  const buf = a.buffer_minutes * 60_000;
  let out = '{"items":[';
  let first = true;
  let b = 0;
  const startDay = DateTime.fromMillis(lo, { zone: a.time_zone }).startOf('day');
  for (let day = startDay; day.toMillis() < hi; day = day.plus({ days: 1 })) {
    for (const w of a.weekly) {
      if (w.weekday !== day.weekday) continue;
      const s0 = day.plus({ minutes: minutesOf(w.start) }).toMillis();
      const end = day.plus({ minutes: minutesOf(w.end) }).toMillis();
      for (let s = s0; s + len <= end; s += step) {
        if (s < lo || s >= hi) continue;
        while (b < busy.length && busy[b][1] <= s - buf) b++;
        if (b < busy.length && busy[b][0] < s + len + buf) continue;
        out += `${first ? '' : ','}{"startsAt":"${new Date(s).toISOString()}","endsAt":"${new Date(s + len).toISOString()}"}`;
        first = false;
      }
    }
  }
  return `${out}],"nextCursor":null,"timeZone":"${a.time_zone}"}`;
}

/** The bare baseline: Koa, jsonwebtoken verification, one pg pool, the same statements. */
async function serveBare(spec: ServerSpec): Promise<void> {
  const pool = benchPool(spec.databaseUrl, POOL);
  const key = createSecretKey(Buffer.from(spec.jwtSecret));
  const app = new Koa();
  app.use(async (ctx) => {
    const m = /^Bearer (\S+)$/.exec(ctx.get('authorization'));
    let sub: string;
    try {
      sub = (jwt.verify(m?.[1] ?? '', key, { algorithms: ['HS256'] }) as { sub: string }).sub;
    } catch {
      ctx.status = 401;
      return;
    }
    const url = new URL(ctx.url, 'http://x');
    const p = url.pathname;
    const body = async () =>
      JSON.parse(
        await new Promise<string>((r) => {
          let s = '';
          ctx.req.on('data', (c) => (s += c));
          ctx.req.on('end', () => r(s));
        }),
      ) as Record<string, string>;
    ctx.type = 'application/json';
    let r: RegExpExecArray | null;
    if ((r = /^\/api\/v1\/doctors\/([^/]+)\/slots$/.exec(p))) {
      const from = new Date(url.searchParams.get('from')!).getTime();
      const to = new Date(url.searchParams.get('to')!).getTime();
      const a = (
        await pool.query(
          `select d.time_zone, a.slot_minutes, a.buffer_minutes, a.min_notice_minutes, a.horizon_days, a.weekly
             from doctors d join doctor_availability a on a.doctor_id = d.id where d.id = $1`,
          [r[1]],
        )
      ).rows[0] as AvailabilityRow;
      const busy = (
        await pool.query(
          `select (extract(epoch from starts_at) * 1000)::float8 as s,
                  (extract(epoch from add_minutes(ends_at, buffer_minutes)) * 1000)::float8 as e
             from appointments where doctor_id = $1 and status in ('pending', 'confirmed')
              and starts_at < $3 and add_minutes(ends_at, buffer_minutes + $4) > $2 order by starts_at`,
          [r[1], new Date(from), new Date(to + DAY_MS), a.buffer_minutes],
        )
      ).rows.map((x: { s: number; e: number }) => [x.s, x.e]);
      ctx.body = bareSlotsJson(a, busy, from, to, Date.now());
    } else if (p === '/api/v1/appointments' && ctx.method === 'POST') {
      const b = await body();
      const a = (
        await pool.query(
          `select slot_minutes, buffer_minutes from doctor_availability where doctor_id = $1`,
          [b.doctorId],
        )
      ).rows[0] as { slot_minutes: number; buffer_minutes: number } | undefined;
      const startsAt = new Date(b.startsAt);
      try {
        const row = await pool.query(
          `insert into bench_appointments (doctor_id, patient_id, starts_at, ends_at, buffer_minutes, status,
                                           fee_cents, currency, refund_policy, created_by)
           values ($1, $2, $3, $4, $5, 'pending', 0, 'usd', '{}', $6) returning *`,
          [
            b.doctorId,
            b.patientId,
            startsAt,
            new Date(startsAt.getTime() + (a?.slot_minutes ?? 30) * 60_000),
            a?.buffer_minutes ?? 0,
            sub,
          ],
        );
        ctx.status = 201;
        ctx.body = row.rows[0];
      } catch (err) {
        ctx.status = (err as { code?: string }).code === '23P01' ? 409 : 500;
        ctx.body = { error: { code: 'slot_taken' } };
      }
    } else if (p === '/api/v1/appointments') {
      const rows = await pool.query(
        `select *, (extract(epoch from starts_at) * 1000000)::bigint as starts_at_us from appointments
          where doctor_id = $1 and starts_at >= $2 and starts_at < $3 order by starts_at, id limit $4`,
        [
          sub,
          url.searchParams.get('from'),
          url.searchParams.get('to'),
          Number(url.searchParams.get('limit')) + 1,
        ],
      );
      ctx.body = { items: rows.rows, nextCursor: null };
    } else if ((r = /^\/api\/v1\/patients\/([^/]+)\/record$/.exec(p))) {
      ctx.body = (await pool.query(`select * from medical_records where patient_id = $1`, [r[1]])).rows[0];
    } else if (p === '/api/v1/queue' && ctx.method === 'POST') {
      const b = await body();
      const n = await pool.query(
        `insert into bench_queue_counters (clinic_date, doctor_key, last_number) values (current_date, $1, 1)
         on conflict (clinic_date, doctor_key) do update set last_number = bench_queue_counters.last_number + 1
         returning last_number`,
        [b.doctorId],
      );
      try {
        const row = await pool.query(
          `insert into bench_queue_entries (clinic_date, doctor_id, number, patient_id, created_by)
           values (current_date, $1, $2, $3, $4) returning *`,
          [b.doctorId, n.rows[0].last_number, b.patientId, sub],
        );
        ctx.status = 201;
        ctx.body = row.rows[0];
      } catch {
        ctx.status = 409;
        ctx.body = { error: { code: 'duplicate' } };
      }
    } else if ((r = /^\/api\/v1\/queue\/([^/]+)$/.exec(p))) {
      const b = await body();
      ctx.body = (
        await pool.query(
          `update bench_queue_entries set status = $2, updated_at = now() where id = $1 returning *`,
          [r[1], b.status],
        )
      ).rows[0];
    } else {
      ctx.status = 404;
    }
  });
  const server = app.listen(0, '127.0.0.1', () =>
    process.stdout.write(`listening http://127.0.0.1:${(server.address() as { port: number }).port}\n`),
  );
}

class ServerProcess {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  constructor(kind: 'web' | 'bare', spec: ServerSpec, file: string) {
    writeFileSync(file, JSON.stringify(spec));
    this.child = spawn(process.execPath, ['--import', 'tsx', self, kind, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.url = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
      createInterface({ input: this.child.stdout! }).on('line', (l) => {
        if (l.startsWith('listening ')) resolve(l.slice('listening '.length));
      });
    });
  }
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }
  stop(): Promise<void> {
    return new Promise((r) => {
      if (this.child.exitCode !== null) return r();
      this.child.removeAllListeners('exit');
      this.child.once('exit', () => r());
      this.child.kill('SIGKILL');
    });
  }
}

// ---------------------------------------------------------------- load (child process)

interface MixData {
  staffTokens: string[];
  doctors: { id: string; token: string; patients: string[] }[];
  /** Free slots to book, each used once. */
  bookable: { doctorId: string; startsAt: string }[];
  patients: string[];
  /** First day (ms, 00:00Z) of the future window the listings ask for; 14 days long. */
  firstDay: number;
}

interface CannonSpec {
  kind: 'mix' | 'get' | 'post-bodies';
  url: string;
  connections: number;
  duration: number;
  dataFile?: string;
  /** kind 'get': paths picked at random per request. */
  paths?: string[];
  headers?: Record<string, string>;
  /** kind 'post-bodies': POST path with one body per request, each used once. */
  path?: string;
  bodies?: string[];
}

interface OpStats {
  count: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  conflicts: number;
}

interface CannonOutput {
  seconds: number;
  total: OpStats;
  ops: Partial<Record<Op | 'get' | 'post', OpStats>>;
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function cannon(spec: CannonSpec): Promise<CannonOutput> {
  const { default: autocannon } = await import('autocannon');
  const data = spec.dataFile ? (JSON.parse(readFileSync(spec.dataFile, 'utf8')) as MixData) : undefined;
  const lat = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const conflicts = new Map<string, number>();
  let next = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  interface Ctx {
    op?: string;
    t0?: number;
    queue?: { id: string; status: string }[];
  }
  const build = (req: Record<string, unknown>, ctx: Ctx) => {
    ctx.t0 = performance.now();
    if (spec.kind === 'get') {
      ctx.op = 'get';
      return { ...req, method: 'GET', path: pick(spec.paths!), headers: spec.headers };
    }
    if (spec.kind === 'post-bodies') {
      ctx.op = 'post';
      if (next >= spec.bodies!.length) throw new Error('ran out of bodies');
      return { ...req, method: 'POST', path: spec.path, headers: spec.headers, body: spec.bodies![next++] };
    }
    const d = data!;
    const staff = { authorization: `Bearer ${pick(d.staffTokens)}`, 'content-type': 'application/json' };
    const r = Math.random();
    const doctor = pick(d.doctors);
    const day = d.firstDay + Math.floor(Math.random() * 14) * DAY_MS;
    if (r < 0.6) {
      ctx.op = 'slots';
      const days = Math.random() < 0.5 ? 1 : 7;
      return {
        ...req,
        method: 'GET',
        headers: staff,
        path: `/api/v1/doctors/${doctor.id}/slots?from=${iso(day)}&to=${iso(day + days * DAY_MS)}`,
      };
    }
    if (r < 0.7) {
      ctx.op = 'booking';
      const slot = d.bookable[next++ % d.bookable.length]!;
      return {
        ...req,
        method: 'POST',
        headers: staff,
        path: '/api/v1/appointments',
        body: JSON.stringify({ ...slot, patientId: pick(d.patients) }),
      };
    }
    const asDoctor = { authorization: `Bearer ${doctor.token}` };
    if (r < 0.8) {
      ctx.op = 'list';
      const listDay = d.firstDay + Math.floor(Math.random() * (PAST_DAYS + 14) - PAST_DAYS) * DAY_MS;
      return {
        ...req,
        method: 'GET',
        headers: asDoctor,
        path: `/api/v1/appointments?from=${iso(listDay)}&to=${iso(listDay + DAY_MS)}&limit=50`,
      };
    }
    if (r < 0.9) {
      ctx.op = 'record';
      return {
        ...req,
        method: 'GET',
        headers: asDoctor,
        path: `/api/v1/patients/${pick(doctor.patients)}/record`,
      };
    }
    ctx.op = 'queue';
    ctx.queue ??= [];
    const entry = ctx.queue[0];
    if (entry && Math.random() < 0.5) {
      const status = entry.status === 'WAITING' ? 'IN_PROGRESS' : 'COMPLETED';
      entry.status = status;
      if (status === 'COMPLETED') ctx.queue.shift();
      return {
        ...req,
        method: 'PATCH',
        headers: staff,
        path: `/api/v1/queue/${entry.id}`,
        body: JSON.stringify({ status }),
      };
    }
    return {
      ...req,
      method: 'POST',
      headers: staff,
      path: '/api/v1/queue',
      body: JSON.stringify({ patientId: pick(d.patients), doctorId: doctor.id }),
    };
  };
  let measuring = false;
  const onResponse = (status: number, body: string, ctx: Ctx) => {
    if (!measuring || !ctx.op || ctx.t0 === undefined) return;
    const op = ctx.op;
    let l = lat.get(op);
    if (!l) lat.set(op, (l = []));
    l.push(performance.now() - ctx.t0);
    if (status === 409) conflicts.set(op, (conflicts.get(op) ?? 0) + 1);
    else if (status >= 300) errors.set(op, (errors.get(op) ?? 0) + 1);
    if (op === 'queue' && status === 201) {
      const id = (JSON.parse(body) as { id: string }).id;
      ctx.queue?.push({ id, status: 'WAITING' });
    }
  };
  const run = (duration: number) =>
    autocannon({
      url: spec.url,
      connections: spec.connections,
      duration,
      requests: [{ setupRequest: build as never, onResponse: onResponse as never }],
    });
  if (spec.kind === 'mix') await run(WARMUP_S);
  measuring = true;
  const t0 = performance.now();
  await run(spec.duration);
  const seconds = (performance.now() - t0) / 1000;
  const stats = (op: string, l: number[]): OpStats => ({
    count: l.length,
    perSecond: l.length / seconds,
    p50: percentile(l, 50),
    p95: percentile(l, 95),
    p99: percentile(l, 99),
    errors: op === 'total' ? [...errors.values()].reduce((a, b) => a + b, 0) : (errors.get(op) ?? 0),
    conflicts: op === 'total' ? [...conflicts.values()].reduce((a, b) => a + b, 0) : (conflicts.get(op) ?? 0),
  });
  return {
    seconds,
    total: stats('total', [...lat.values()].flat()),
    ops: Object.fromEntries([...lat].map(([op, l]) => [op, stats(op, l)])),
  };
}

async function runCannon(spec: CannonSpec, dir: string): Promise<CannonOutput> {
  const file = path.join(dir, `cannon-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', self, 'cannon', file], {
    timeout: (spec.duration + WARMUP_S + 120) * 1000,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout) as CannonOutput;
}

// ---------------------------------------------------------------- the benchmark

/** Runs the clinic benchmark and returns its result rows. */
export async function benchClinic(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-bench-clinic-'));
  const jwtSecret = randomBytes(32).toString('hex');
  const servers: ServerProcess[] = [];
  const { connectDatabase, disconnectDatabase } = await import('../db/knex.js');
  const { migrateDatabase } = await import('../db/migrate.js');
  const { loadConfig } = await import('../lib/config.js');
  const { createLogger } = await import('../lib/logger.js');
  const { createMailer } = await import('../lib/mailer.js');
  const { setServices } = await import('../lib/services.js');
  const { runShutdownHooks } = await import('../lib/shutdown.js');
  const { issueToken } = await import('../domain/auth/tokens.js');
  const { listFreeSlots } = await import('../domain/scheduling/free-slots.js');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    JWT_SECRET: jwtSecret,
  });
  const mailer = createMailer({ from: config.mailFrom, outboxDir: path.join(dir, 'outbox') });
  setServices({ config, logger: createLogger('silent'), mailer, jwtSecret });
  const knex = connectDatabase(db.url, 4);
  try {
    await migrateDatabase(knex, db.url);
    const t0 = performance.now();
    await seed(db.url);
    const counts = (
      await knex.raw(`select (select count(*) from appointments)::int as appointments,
                             (select count(*) from appointments where starts_at > now())::int as future`)
    ).rows[0] as { appointments: number; future: number };
    process.stderr.write(
      `  seeded ${counts.appointments.toLocaleString('en-US')} appointments (${counts.future.toLocaleString('en-US')} future) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
    );

    const token = (u: { id: string; role: string; tokenGeneration: number }) =>
      issueToken({ id: u.id, role: u.role as 'staff', tokenGeneration: u.tokenGeneration }).token;
    const users = (await knex('users').select('id', 'role', 'tokenGeneration')) as {
      id: string;
      role: string;
      tokenGeneration: number;
    }[];
    const firstDay = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    const patientsOf = (
      await knex.raw(`select doctor_id, (array_agg(distinct patient_id))[1:20] as patients from appointments
                       where starts_at between now() - interval '14 days' and now() and status = 'completed' group by doctor_id`)
    ).rows as { doctor_id: string; patients: string[] }[];
    const doctorPatients = new Map(patientsOf.map((r) => [r.doctor_id, r.patients]));
    const doctors = users
      .filter((u) => u.role === 'doctor')
      .map((u) => ({ id: u.id, token: token(u), patients: doctorPatients.get(u.id) ?? [] }));
    const bookable: MixData['bookable'] = [];
    for (const d of doctors) {
      const { starts } = await listFreeSlots(d.id, {
        from: new Date(firstDay).toISOString(),
        to: new Date(firstDay + 14 * DAY_MS).toISOString(),
      });
      for (const t of starts) bookable.push({ doctorId: d.id, startsAt: new Date(t).toISOString() });
    }
    for (let i = bookable.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [bookable[i], bookable[j]] = [bookable[j]!, bookable[i]!];
    }
    const staffTokens = users.filter((u) => u.role === 'staff').map(token);
    const patients = ((await knex('patients').select('id').limit(5000)) as { id: string }[]).map((p) => p.id);

    const spec = { databaseUrl: db.url, jwtSecret };
    const web = new ServerProcess('web', spec, path.join(dir, 'web.json'));
    const bare = new ServerProcess('bare', spec, path.join(dir, 'bare.json'));
    servers.push(web, bare);
    const [webUrl, bareUrl] = await Promise.all([web.url, bare.url]);

    // Each connection level books its own slice of the free slots, on both sides.
    const half = Math.floor(bookable.length / 2);
    const mix: Record<number, { bare: CannonOutput; ours: CannonOutput }> = {};
    for (const [i, connections] of (PARTS.has('mix') ? [10, 50] : []).entries()) {
      const dataFile = path.join(dir, `mix-${connections}.json`);
      const data: MixData = {
        staffTokens,
        doctors,
        bookable: bookable.slice(i * half, (i + 1) * half),
        patients,
        firstDay,
      };
      writeFileSync(dataFile, JSON.stringify(data));
      process.stderr.write(`  mix at ${connections} connections…\n`);
      const b = await runCannon({ kind: 'mix', url: bareUrl, connections, duration: SECONDS, dataFile }, dir);
      const o = await runCannon({ kind: 'mix', url: webUrl, connections, duration: SECONDS, dataFile }, dir);
      mix[connections] = { bare: b, ours: o };
    }

    // A month of one doctor's slots at one connection.
    const staffAuth = { authorization: `Bearer ${staffTokens[0]}` };
    const monthPaths = doctors
      .slice(0, 30)
      .map(
        (d) =>
          `/api/v1/doctors/${d.id}/slots?from=${new Date(firstDay).toISOString()}&to=${new Date(firstDay + 31 * DAY_MS).toISOString()}`,
      );
    const monthSpec = (url: string): CannonSpec => ({
      kind: 'get',
      url,
      connections: 1,
      duration: SECONDS,
      paths: monthPaths,
      headers: staffAuth,
    });
    let month: CannonOutput | undefined;
    let monthBare: CannonOutput | undefined;
    if (PARTS.has('month')) {
      await runCannon({ ...monthSpec(bareUrl), duration: 1 }, dir);
      monthBare = await runCannon(monthSpec(bareUrl), dir);
      await runCannon({ ...monthSpec(webUrl), duration: 1 }, dir);
      month = await runCannon(monthSpec(webUrl), dir);
    }

    // Next free slots across all 200 doctors, 10 connections, from a random hour of the next two weeks.
    const nextPaths = Array.from(
      { length: 200 },
      (_, i) => `/api/v1/slots?from=${new Date(firstDay + i * 1.68 * 3600_000).toISOString()}&limit=20`,
    );
    let next: CannonOutput | undefined;
    let nextSpec: CannonOutput | undefined;
    if (PARTS.has('next')) {
      // A second's warm-up, as for the month: the first requests fill the process's caches.
      await runCannon(
        { kind: 'get', url: webUrl, connections: 10, duration: 1, paths: nextPaths, headers: staffAuth },
        dir,
      );
      next = await runCannon(
        {
          kind: 'get',
          url: webUrl,
          connections: 10,
          duration: SECONDS,
          paths: nextPaths,
          headers: staffAuth,
        },
        dir,
      );
      nextSpec = await runCannon(
        {
          kind: 'get',
          url: webUrl,
          connections: 10,
          duration: SECONDS,
          paths: nextPaths.map((p) => `${p}&specialization=cardiology`),
          headers: staffAuth,
        },
        dir,
      );
    }

    // One doctor, 50 connections, distinct 5-minute slots: the serialised worst case.
    let serialBare: CannonOutput | undefined;
    let serialOurs: CannonOutput | undefined;
    if (PARTS.has('serial')) {
      const [serial] = await knex('users')
        .insert({
          name: 'Dr Serial',
          email: 'serial@bench.test',
          passwordHash: 'x',
          role: 'doctor',
          status: 'active',
          emailVerified: true,
        })
        .returning('id');
      await knex('doctors').insert({ id: serial.id, specialization: 'serial', timeZone: 'UTC', feeCents: 0 });
      await knex('doctorAvailability').insert({
        doctorId: serial.id,
        slotMinutes: 5,
        horizonDays: 365,
        weekly: JSON.stringify(
          [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
        ),
      });
      const serialBodies = Array.from({ length: 60_000 }, (_, n) =>
        JSON.stringify({
          doctorId: serial.id,
          patientId: patients[n % patients.length],
          startsAt: new Date(firstDay + n * 300_000).toISOString(),
        }),
      );
      const postSpec = (url: string): CannonSpec => ({
        kind: 'post-bodies',
        url,
        connections: 50,
        duration: SECONDS,
        path: '/api/v1/appointments',
        headers: { ...staffAuth, 'content-type': 'application/json' },
        bodies: serialBodies,
      });
      serialBare = await runCannon(postSpec(bareUrl), dir);
      serialOurs = await runCannon(postSpec(webUrl), dir);
    }

    const webRss = web.peakRssMb();
    const bareRss = bare.peakRssMb();
    return rows({ mix, month, monthBare, next, nextSpec, serialBare, serialOurs, webRss, bareRss, counts });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    // listFreeSlots above opened this process's LISTEN connection (the schedule cache's).
    await runShutdownHooks();
    await disconnectDatabase();
    mailer.close();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

const ms = (n: number) => `${fmt(n, 1)} ms`;
const lats = (s: OpStats | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}` : '—');

function rows(r: {
  mix: Record<number, { bare: CannonOutput; ours: CannonOutput }>;
  month?: CannonOutput;
  monthBare?: CannonOutput;
  next?: CannonOutput;
  nextSpec?: CannonOutput;
  serialBare?: CannonOutput;
  serialOurs?: CannonOutput;
  webRss: number;
  bareRss: number;
  counts: { appointments: number; future: number };
}): BenchResult[] {
  const out: BenchResult[] = [];
  const ratioTarget: Partial<Record<Op, number>> = { booking: 0.5, slots: 0.5 };
  for (const c of [10, 50]) {
    if (!r.mix[c]) continue;
    const { bare, ours } = r.mix[c];
    out.push({
      name: `clinic mix, ${c} connections, ${SECONDS} s: all requests req/s, p50 / p95 / p99 (${r.counts.appointments.toLocaleString('en-US')} appointments stored)`,
      clinicflow: `${fmt(ours.total.perSecond, 0)} req/s, ${lats(ours.total)} (${ours.total.errors} errors)`,
      baseline: `${fmt(bare.total.perSecond, 0)} req/s, ${lats(bare.total)} (bare Koa + pg)`,
      ratio: fmt(ours.total.perSecond / bare.total.perSecond, 2),
      target: c === 50 ? 'p99 ≤ 100 ms' : '—',
      met: c === 50 ? ours.total.p99 <= 100 : null,
    });
    for (const op of OPS) {
      const o = ours.ops[op];
      const b = bare.ops[op];
      if (!o || !b) continue;
      const ratio = o.perSecond / b.perSecond;
      const t = ratioTarget[op];
      out.push({
        name: `  ${op} (${c} conns): req/s, p50 / p95 / p99${op === 'booking' || op === 'queue' ? `; conflicts ${o.conflicts} vs ${b.conflicts}` : ''}`,
        clinicflow: `${fmt(o.perSecond, 0)} req/s, ${lats(o)}${o.errors ? ` (${o.errors} errors)` : ''}`,
        baseline: `${fmt(b.perSecond, 0)} req/s, ${lats(b)}`,
        ratio: fmt(ratio, 2),
        target: t ? `≥ ${t.toFixed(2)}` : '—',
        met: t ? ratio >= t : null,
      });
    }
  }
  const m = r.month?.ops.get;
  const mb = r.monthBare?.ops.get;
  if (m && mb)
    out.push({
      name: "a month of one doctor's slots (31 days), 1 connection: p50 / p95 / p99",
      clinicflow: `${lats(m)}, ${fmt(m.perSecond, 0)} req/s`,
      baseline: `${lats(mb)}, ${fmt(mb.perSecond, 0)} req/s (bare loop)`,
      ratio: fmt(mb.p50 / m.p50, 2),
      target: 'p50 ≤ 10 ms',
      met: m.p50 <= 10,
    });
  for (const [label, n] of [
    ['all 200 doctors', r.next],
    ['cardiology (25 doctors)', r.nextSpec],
  ] as const) {
    const s = n?.ops.get;
    if (!s) continue;
    out.push({
      name: `GET /slots next 20 free slots, ${label}, 10 connections: p50 / p95 / p99`,
      clinicflow: `${lats(s)}, ${fmt(s.perSecond, 0)} req/s${s.errors ? ` (${s.errors} errors)` : ''}`,
      baseline: '—',
      ratio: '—',
      target: 'p99 ≤ 50 ms',
      met: s.p99 <= 50,
    });
  }
  const so = r.serialOurs?.ops.post;
  const sb = r.serialBare?.ops.post;
  if (so && sb)
    out.push({
      name: 'serialised worst case: POST /appointments, ONE doctor, 50 connections, distinct slots',
      clinicflow: `${fmt(so.perSecond, 0)} req/s, ${lats(so)}${so.errors + so.conflicts ? ` (${so.errors + so.conflicts} non-2xx)` : ''}`,
      baseline: `${fmt(sb.perSecond, 0)} req/s, ${lats(sb)} (bare INSERT over HTTP)`,
      ratio: fmt(so.perSecond / sb.perSecond, 2),
      target: '—',
      met: null,
    });
  out.push({
    name: 'web process peak RSS (whole clinic run)',
    clinicflow: `${fmt(r.webRss, 0)} MB`,
    baseline: `${fmt(r.bareRss, 0)} MB (bare)`,
    ratio: fmt(r.bareRss / r.webRss, 2),
    target: '—',
    met: null,
  });
  return out;
}

// ---------------------------------------------------------------- child entry points

if (process.argv[1] === self) {
  const [kind, file] = process.argv.slice(2);
  if (kind === 'cannon')
    process.stdout.write(JSON.stringify(await cannon(JSON.parse(readFileSync(file!, 'utf8')))));
  else if (kind === 'web') await serveClinicflow(JSON.parse(readFileSync(file!, 'utf8')) as ServerSpec);
  else if (kind === 'bare') await serveBare(JSON.parse(readFileSync(file!, 'utf8')) as ServerSpec);
}
