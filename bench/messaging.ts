/**
 * Messaging end to end: 50 patients each send to their own doctor as fast as delivery allows (a
 * closed loop: POST /messages, wait until the message arrives on the doctor's SSE stream, send the
 * next); delivery latency = SSE event received − POST sent, and messages/s over the whole run.
 * Every message takes the production path: rate limit, conversation lock, position, NOTIFY, the
 * delayed-email job, the audit row, and on delivery the per-recipient re-read (audited too).
 * The baseline, in the same run and database, is a bare LISTEN/NOTIFY round trip: 50 clients each
 * `select pg_notify(…)` in a loop (over a pool of 20 connections, as the app's) and wait for their
 * own notification on one LISTEN connection.
 * App, senders and streams share this process (fetch over loopback); the worker is not started.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import pg from 'pg';
import { createApp } from '../api/app.js';
import { webMiddleware } from '../bin/extensions.js';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { issueToken } from '../domain/auth/tokens.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { runShutdownHooks } from '../lib/shutdown.js';
import { benchPool, fmt, freshDatabase, percentile, type BenchResult } from './lib.js';

const SENDERS = Number(process.env.BENCH_MESSAGING_SENDERS ?? 50);
/** Connections of the app's pool, and of the baseline's. */
const POOL = 20;
const DURATION_MS = Number(process.env.BENCH_MESSAGING_SECONDS ?? 10) * 1000;

/** Reads an SSE response and calls `onEvent(event, data, receivedAt)` for each event. */
function readSse(res: Response, onEvent: (event: string, data: string, at: number) => void): Promise<void> {
  return (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buf += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(event, data, at);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
}

/** Runs `loop(i)` for SENDERS workers until DURATION_MS has passed; returns the wall time in ms. */
async function closedLoop(loop: (i: number, until: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const until = t0 + DURATION_MS;
  await Promise.all(Array.from({ length: SENDERS }, (_, i) => loop(i, until)));
  return performance.now() - t0;
}

/**
 * The baseline: 50 clients NOTIFY and wait for their own notification. `writing` makes each NOTIFY
 * part of a transaction that also inserts a row, as a message's does: PostgreSQL serialises the
 * commits of notifying transactions (one queue lock, held through the commit's WAL flush), so this
 * is the floor of any design that publishes on commit.
 */
async function bareNotify(url: string, writing: boolean): Promise<{ latencies: number[]; wallMs: number }> {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const waiting = new Map<string, (at: number) => void>();
  listener.on('notification', (n) => waiting.get(n.payload ?? '')?.(performance.now()));
  await listener.query('LISTEN bench_bare');
  await listener.query(
    'create table if not exists bench_rows (id text primary key, at timestamptz default now())',
  );
  // The same pool size as the web process's, shared by the 50 clients.
  const pool = benchPool(url, POOL);
  const latencies: number[] = [];
  let seq = 0;
  const wallMs = await closedLoop(async (i, until) => {
    while (performance.now() < until) {
      const id = `${i}:${seq++}`;
      const arrived = new Promise<number>((resolve) => waiting.set(id, resolve));
      const t0 = performance.now();
      if (writing) {
        const c = await pool.connect();
        try {
          await c.query('begin');
          await c.query('insert into bench_rows (id) values ($1)', [id]);
          await c.query('select pg_notify($1, $2)', ['bench_bare', id]);
          await c.query('commit');
        } finally {
          c.release();
        }
      } else {
        await pool.query('select pg_notify($1, $2)', ['bench_bare', id]);
      }
      latencies.push((await arrived) - t0);
      waiting.delete(id);
    }
  });
  await pool.end();
  await listener.end();
  return { latencies, wallMs };
}

/** Runs the messaging benchmark and returns its result rows. */
export async function benchMessaging(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  let server: Server | undefined;
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      MESSAGE_RATE_LIMIT_PER_MINUTE: '100000',
    });
    const logger = createLogger('silent');
    const knex = connectDatabase(db.url, POOL);
    await migrateDatabase(knex, db.url);
    setServices({
      config,
      logger,
      mailer: createMailer({ from: 'bench@clinicflow.test', outboxDir: '/tmp/clinicflow-bench-outbox' }),
      jwtSecret: config.jwtSecret!,
    });
    const app = createApp({
      logger,
      appUrl: config.appUrl,
      trustProxy: false,
      middleware: webMiddleware(config),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1`;

    // 50 patient ↔ doctor pairs, each doctor mapped to their patient.
    const pairs = await Promise.all(
      Array.from({ length: SENDERS }, async (_, i) => {
        const [patient, doctor] = await knex('users')
          .insert([
            {
              name: `Bench patient ${i}`,
              email: `p${i}@bench.test`,
              passwordHash: '!',
              role: 'patient',
              status: 'active',
            },
            {
              name: `Bench doctor ${i}`,
              email: `d${i}@bench.test`,
              passwordHash: '!',
              role: 'doctor',
              status: 'active',
            },
          ])
          .returning(['id', 'role', 'tokenGeneration']);
        const [profile] = await knex('patients')
          .insert({ userId: patient.id, name: `Bench patient ${i}` })
          .returning('id');
        await knex('doctors').insert({ id: doctor.id, specialization: 'general' });
        await knex('patientDoctorMappings').insert({ patientId: profile.id, doctorId: doctor.id });
        const token = (u: { id: string; role: 'patient' | 'doctor'; tokenGeneration: number }) =>
          issueToken({ id: u.id, role: u.role, tokenGeneration: u.tokenGeneration }).token;
        return { patient: token(patient), doctorId: doctor.id as string, doctor: token(doctor) };
      }),
    );

    const waiting = new Map<string, (at: number) => void>();
    const early = new Map<string, number>();
    const abort = new AbortController();
    const readers: Promise<void>[] = [];
    for (const pair of pairs) {
      const res = await fetch(`${base}/messages/stream?access_token=${pair.doctor}`, {
        signal: abort.signal,
      });
      if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
      readers.push(
        readSse(res, (event, data, at) => {
          if (event !== 'message') return;
          const id = (JSON.parse(data) as { id: string }).id;
          const resolve = waiting.get(id);
          if (resolve) resolve(at);
          else early.set(id, at);
        }),
      );
    }
    const conversations = new Map<string, string>();
    const postLatencies: number[] = [];
    const send = async (pair: (typeof pairs)[number], body: string) => {
      const t0 = performance.now();
      const conversationId = conversations.get(pair.doctorId);
      const res = await fetch(`${base}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pair.patient}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          conversationId ? { conversationId, body } : { recipientId: pair.doctorId, body },
        ),
      });
      if (res.status !== 201) throw new Error(`POST /messages answered ${res.status}: ${await res.text()}`);
      const { id, conversationId: opened } = (await res.json()) as { id: string; conversationId: string };
      postLatencies.push(performance.now() - t0);
      conversations.set(pair.doctorId, opened);
      // The event can arrive before the POST's response is read.
      const at = early.get(id) ?? (await new Promise<number>((resolve) => waiting.set(id, resolve)));
      early.delete(id);
      waiting.delete(id);
      return at - t0;
    };
    // Warm-up: opens every one-to-one conversation (by recipientId); the run then sends into it by id.
    await Promise.all(pairs.map((p) => send(p, 'warm-up')));

    const latencies: number[] = [];
    postLatencies.length = 0;
    let n = 0;
    const wallMs = await closedLoop(async (i, until) => {
      while (performance.now() < until) latencies.push(await send(pairs[i], `bench message ${n++}`));
    });
    abort.abort();
    await Promise.all(readers);
    await runShutdownHooks();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;

    await disconnectDatabase();
    const bare = await bareNotify(db.url, false);
    const written = await bareNotify(db.url, true);
    const rate = (count: number, ms: number) => (count * 1000) / ms;
    const ms = (v: number) => `${fmt(v, 1)} ms`;
    const oursRate = rate(latencies.length, wallMs);
    const bareRate = rate(bare.latencies.length, bare.wallMs);
    return [
      {
        name: `messages end to end (POST → SSE event), ${SENDERS} concurrent senders, closed loop`,
        clinicflow: `${fmt(oursRate, 0)} msg/s`,
        baseline: `${fmt(bareRate, 0)} NOTIFY round trips/s (bare LISTEN/NOTIFY, ${SENDERS} clients)`,
        ratio: fmt(oursRate / bareRate, 3),
        target: '—',
        met: null,
      },
      {
        name: `NOTIFY round trip in a writing transaction (insert + NOTIFY + commit), ${SENDERS} clients`,
        clinicflow: '—',
        baseline: `${fmt(rate(written.latencies.length, written.wallMs), 0)} round trips/s, p50 / p99 ${ms(percentile(written.latencies, 50))} / ${ms(percentile(written.latencies, 99))}`,
        ratio: fmt(oursRate / rate(written.latencies.length, written.wallMs), 3),
        target: '—',
        met: null,
      },
      {
        name: `message delivery latency p50 / p99 (${latencies.length.toLocaleString('en-US')} messages)`,
        clinicflow: `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`,
        baseline: `${ms(percentile(bare.latencies, 50))} / ${ms(percentile(bare.latencies, 99))} (bare NOTIFY round trip)`,
        ratio: fmt(percentile(bare.latencies, 99) / percentile(latencies, 99), 3),
        target: 'p99 ≤ 1 s',
        met: percentile(latencies, 99) <= 1000,
      },
      {
        name: 'of which POST /messages answered (p50 / p99)',
        clinicflow: `${ms(percentile(postLatencies, 50))} / ${ms(percentile(postLatencies, 99))}`,
        baseline: '—',
        ratio: '—',
        target: '—',
        met: null,
      },
    ];
  } finally {
    server?.close();
    await db.drop();
  }
}
