/**
 * Analytics and invoice PDFs.
 *
 * Seeds (bulk SQL with generate_series) 200 doctors with visiting hours, 100,000 patients,
 * 1,000,000 appointments over two years, 300,000 Stripe payments (30,000 refunded) and 200,000
 * visits, then asks each summary for 12 months by month 50 times through the HTTP API, beside a
 * bare SQL aggregate doing the same count on a plain pg client in the same run (p50 / p95).
 * Then invoice PDFs per second: the render_invoice_pdf path (read, render, store, mark ready)
 * beside bare pdfkit drawing the same document in memory.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import pg from 'pg';
import { createApp } from '../api/app.js';
import { webMiddleware } from '../bin/extensions.js';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { issueToken } from '../domain/auth/tokens.js';
import { renderInvoicePdf } from '../domain/billing/render-invoice-pdf.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { type BenchResult, closeBenchApp, fmt, freshDatabase, percentile } from './lib.js';

const CALLS = Number(process.env.BENCH_ANALYTICS_CALLS ?? 50);
const PDFS = Number(process.env.BENCH_PDFS ?? 200);
const ZONE = 'Europe/Berlin';
const FROM = '2026-01-01';
const TO = '2026-12-31';
// The same instants the API derives from FROM/TO in ZONE.
const FROM_TS = '2025-12-31T23:00:00Z';
const TO_TS = '2026-12-31T23:00:00Z';

async function seed(client: pg.Client): Promise<void> {
  const q = (sql: string) => client.query(sql);
  await q(`insert into users (name, email, password_hash, role, status, email_verified)
           select 'Doctor ' || g, 'doctor' || g || '@bench.test', 'x', 'doctor', 'active', true
             from generate_series(1, 200) g`);
  await q(
    `insert into doctors (id, specialization, time_zone) select id, 'general', '${ZONE}' from users where role = 'doctor'`,
  );
  await q(`insert into doctor_availability (doctor_id, weekly)
           select id, '[{"weekday":1,"start":"09:00","end":"17:00"},{"weekday":2,"start":"09:00","end":"17:00"},
                        {"weekday":3,"start":"09:00","end":"17:00"},{"weekday":4,"start":"09:00","end":"17:00"},
                        {"weekday":5,"start":"09:00","end":"13:00"}]'::jsonb from doctors`);
  await q(`insert into patients (name, time_zone, created_at)
           select 'Patient ' || g, 'UTC', timestamptz '2025-01-01' + g * interval '15 minutes 46 seconds'
             from generate_series(1, 100000) g`);
  // 1,000,000 appointments 63 s apart over two years; doctor and patient picked by arithmetic on
  // numbered id tables (indexing a 100,000-element array per row would detoast it every time).
  await q(`create temp table dn as select row_number() over (order by id) - 1 as n, id from doctors`);
  await q(`create temp table pn as select row_number() over (order by id) - 1 as n, id from patients`);
  await q('create unique index on dn (n); create unique index on pn (n); analyze dn; analyze pn');
  await q(`insert into appointments (doctor_id, patient_id, starts_at, ends_at, status, fee_cents, currency)
           select dn.id, pn.id,
                  timestamptz '2025-12-01' + g * interval '63 seconds',
                  timestamptz '2025-12-01' + g * interval '63 seconds' + interval '30 minutes',
                  case g % 20 when 0 then 'cancelled' when 1 then 'no-show' when 2 then 'rejected'
                              when 3 then 'cancelled' else 'completed' end,
                  5000, 'usd'
             from generate_series(1, 1000000) g
             join dn on dn.n = g % 200
             join pn on pn.n = (g::bigint * 7919) % 100000`);
  await q(`insert into payments (appointment_id, attempt, stripe_checkout_session_id, amount_cents, currency,
                                 status, session_status, amount_refunded_cents, expires_at, paid_at)
           select id, 1, 'cs_bench_' || rn, 5000, case when rn % 3 = 0 then 'eur' else 'usd' end,
                  case when rn % 10 = 0 then 'refunded' else 'paid' end, 'complete',
                  case when rn % 10 = 0 then 5000 else 0 end, starts_at, starts_at - interval '1 day'
             from (select id, starts_at, row_number() over (order by starts_at) rn from appointments) a
            where rn % 10 < 3`);
  await q(`insert into refunds (payment_id, stripe_refund_id, amount_cents, status, idempotency_key, reason, created_at)
           select id, 're_' || id, 5000, 'succeeded', 'bench:' || id, 'cancellation', paid_at + interval '2 days'
             from payments where status = 'refunded'`);
  await q(`insert into visits (patient_id, doctor_id, appointment_id, occurred_at, created_by)
           select patient_id, doctor_id, id, starts_at, doctor_id from appointments
            where status = 'completed' order by starts_at limit 200000`);
  await q('vacuum analyze');
}

const BARE: Record<string, string> = {
  'appointment-summary': `select doctor_id, date_trunc('month', starts_at at time zone '${ZONE}') b, count(*),
        count(*) filter (where status = 'completed'), count(*) filter (where status = 'cancelled'),
        count(*) filter (where status = 'no-show'),
        sum(extract(epoch from ends_at - starts_at)) filter (where status <> 'cancelled')
      from appointments where starts_at >= $1 and starts_at < $2 and status <> 'rejected' group by 1, 2`,
  'revenue-summary': `select currency, date_trunc('month', at at time zone '${ZONE}'), sum(gross), sum(refund) from (
        select p.currency, p.paid_at at, p.amount_cents gross, 0 refund from payments p
         where p.status in ('paid','partially_refunded','refunded') and p.paid_at >= $1 and p.paid_at < $2
        union all
        select p.currency, r.created_at, 0, r.amount_cents from refunds r join payments p on p.id = r.payment_id
         where r.status = 'succeeded' and r.created_at >= $1 and r.created_at < $2) m group by 1, 2`,
  'patient-summary': `select (select count(*) from patients where deleted_at is null and created_at < $2),
        (select count(*) from patients where deleted_at is null and created_at >= $1 and created_at < $2),
        (select count(*) from patients where deleted_at is null and user_id is null and created_at >= $1 and created_at < $2),
        (select count(*) from visits where occurred_at >= $1 and occurred_at < $2),
        (select json_agg(x) from (select date_trunc('month', created_at at time zone '${ZONE}'), count(*) from patients
          where deleted_at is null and created_at >= $1 and created_at < $2 group by 1) x),
        (select json_agg(y) from (select date_trunc('month', occurred_at at time zone '${ZONE}'), count(*) from visits
          where occurred_at >= $1 and occurred_at < $2 group by 1) y)`,
};

async function time(n: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The same invoice drawn with pdfkit alone, in memory. */
function barePdf(number: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50 });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.font('Helvetica-Bold').fontSize(20).text('clinicflow');
    doc.fontSize(16).text(`Invoice ${number}`);
    doc.font('Helvetica').fontSize(10).text('Billed to: Patient 1').text('Status: ISSUED');
    for (const [d, q, u, a] of [
      ['Consultation', '1', '$50.00', '$50.00'],
      ['Blood panel', '3', '$12.50', '$37.50'],
    ])
      doc.text(`${d}   ${q}   ${u}   ${a}`);
    doc.text('Subtotal $87.50').text('Tax $12.13').font('Helvetica-Bold').text('Total $99.63');
    doc.end();
  });
}

export async function benchAnalytics(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  const storageDir = path.join(os.tmpdir(), `clinicflow-bench-invoices-${randomBytes(3).toString('hex')}`);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    CLINIC_TIME_ZONE: ZONE,
    STORAGE_DIR: storageDir,
  });
  const logger = createLogger('silent');
  const mailer = createMailer({ from: config.mailFrom, outboxDir: path.join(storageDir, 'outbox') });
  setServices({ config, logger, mailer, jwtSecret: randomBytes(32).toString('hex') });
  const knex = connectDatabase(db.url, config.databasePoolSize);
  const client = new pg.Client({ connectionString: db.url });
  let server: Server | undefined;
  const rows: BenchResult[] = [];
  try {
    await migrateDatabase(knex, db.url);
    await client.connect();
    const t0 = performance.now();
    await seed(client);
    process.stderr.write(`  seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    const [admin] = await knex('users')
      .insert({
        name: 'Bench admin',
        email: 'admin@bench.test',
        passwordHash: 'x',
        role: 'admin',
        status: 'active',
        emailVerified: true,
      })
      .returning(['id', 'tokenGeneration']);
    const token = issueToken({ id: admin.id, role: 'admin', tokenGeneration: admin.tokenGeneration }).token;
    const app = createApp({ logger, middleware: webMiddleware(config) });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server!.once('listening', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1`;

    for (const name of ['patient-summary', 'revenue-summary', 'appointment-summary']) {
      const url = `${base}/analytics/${name}?from=${FROM}&to=${TO}&interval=month`;
      const api = await time(CALLS, async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      });
      const bare = await time(CALLS, async () => {
        await client.query(BARE[name], [FROM_TS, TO_TS]);
      });
      const p95 = percentile(api, 95);
      const bareP95 = percentile(bare, 95);
      rows.push({
        name: `GET /analytics/${name}, 12 months by month (1M appointments, 300k payments): p50 / p95 over ${CALLS}`,
        clinicflow: `${fmt(percentile(api, 50))} / ${fmt(p95)} ms`,
        baseline: `${fmt(percentile(bare, 50))} / ${fmt(bareP95)} ms (bare SQL aggregate, same count)`,
        ratio: (bareP95 / p95).toFixed(2),
        target: 'p95 ≤ 150 ms, ≥ 0.70',
        met: p95 <= 150 && bareP95 / p95 >= 0.7,
      });
    }

    // Invoice PDFs: issued invoices rendered through the job's domain function.
    const patient = await knex('patients').first('id');
    const ids: string[] = [];
    for (let i = 1; i <= PDFS; i++) {
      const [inv] = await knex('invoices')
        .insert({
          patientId: patient.id,
          currency: 'usd',
          status: 'issued',
          year: 2026,
          seq: i,
          number: `INV-2026-${String(i).padStart(6, '0')}`,
          issuedAt: new Date(),
          subtotalCents: 8750,
          taxCents: 1213,
          totalCents: 9963,
          pdfStatus: 'pending',
          pdfVersion: 1,
        })
        .returning('id');
      await knex('invoiceLines').insert([
        {
          invoiceId: inv.id,
          position: 0,
          description: 'Consultation',
          quantity: 1,
          unitCents: 5000,
          taxPercent: 19,
          netCents: 5000,
          lineTaxCents: 950,
        },
        {
          invoiceId: inv.id,
          position: 1,
          description: 'Blood panel',
          quantity: 3,
          unitCents: 1250,
          taxPercent: 7,
          netCents: 3750,
          lineTaxCents: 263,
        },
      ]);
      ids.push(inv.id as string);
    }
    await renderInvoicePdf(ids[0]);
    await barePdf('INV-2026-000000');
    let t = performance.now();
    for (const id of ids.slice(1)) await renderInvoicePdf(id);
    const ours = (ids.length - 1) / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 1; i < ids.length; i++) await barePdf(`INV-2026-${String(i).padStart(6, '0')}`);
    const bare = (ids.length - 1) / ((performance.now() - t) / 1000);
    rows.push({
      name: `invoice PDFs/s (${ids.length - 1}, one at a time)`,
      clinicflow: `${fmt(ours)}/s (render_invoice_pdf: read, render, store, mark ready)`,
      baseline: `${fmt(bare)}/s (bare pdfkit, same document in memory)`,
      ratio: (ours / bare).toFixed(2),
      target: '—',
      met: null,
    });
    return rows;
  } finally {
    await client.end().catch(() => {});
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await closeBenchApp();
    mailer.close();
    await db.drop();
  }
}
