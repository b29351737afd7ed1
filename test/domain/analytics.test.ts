import { expect } from 'chai';
import { appointmentSummary } from '../../domain/analytics/appointment-summary.js';
import { patientSummary } from '../../domain/analytics/patient-summary.js';
import { revenueSummary } from '../../domain/analytics/revenue-summary.js';
import type { Actor } from '../../domain/auth/actor.js';
import { AppError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';

const knex = () => testContext().knex;
const admin: Actor = { userId: '00000000-0000-0000-0000-000000000000', role: 'admin', adminRoles: [] };

async function appt(doctorId: string, patientId: string, startsAt: string, status: string, minutes = 30) {
  const s = new Date(startsAt);
  const [row] = await knex()('appointments')
    .insert({ doctorId, patientId, startsAt: s, endsAt: new Date(s.getTime() + minutes * 60_000), status })
    .returning('id');
  return row.id as string;
}

describe('analytics (clinic zone Europe/Berlin, DST)', () => {
  let zoneBefore: string;
  let doctor: TestUser;
  let patient: TestUser;

  before(async () => {
    zoneBefore = services().config.clinicTimeZone;
    services().config.clinicTimeZone = 'Europe/Berlin';
    doctor = await createUser('doctor', { timeZone: 'Europe/Berlin' });
    patient = await createUser('patient');
    await knex()('doctorAvailability').insert({
      doctorId: doctor.id,
      weekly: JSON.stringify([
        ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
        { weekday: 7, start: '00:00', end: '24:00' },
      ]),
      overrides: JSON.stringify([
        { date: '2026-10-28', closed: true },
        { date: '2026-10-31', ranges: [{ start: '10:00', end: '12:00' }] },
      ]),
    });
  });
  after(() => {
    services().config.clinicTimeZone = zoneBefore;
  });

  it('buckets by the Berlin day: 25 October 2026 has 25 hours and 1500 offered minutes', async () => {
    const a1 = '2026-10-24T22:30:00Z'; // 00:30 CEST on the 25th: in the 25th (UTC would say the 24th)
    const a2 = '2026-10-25T22:30:00Z'; // 23:30 CET on the 25th: still the 25th
    const a3 = '2026-10-25T23:30:00Z'; // 00:30 on the 26th
    await appt(doctor.id, patient.patientId!, a1, 'completed');
    await appt(doctor.id, patient.patientId!, a2, 'no-show', 60);
    await appt(doctor.id, patient.patientId!, a3, 'cancelled');
    const s = await appointmentSummary(admin, {
      from: '2026-10-25',
      to: '2026-10-25',
      interval: 'day',
      doctorId: doctor.id,
    });
    expect(s.from).to.equal('2026-10-24T22:00:00.000Z');
    expect(s.to).to.equal('2026-10-25T23:00:00.000Z');
    expect(s.series).to.deep.equal([
      { period: '2026-10-25', booked: 2, completed: 1, cancelled: 0, noShow: 1 },
    ]);
    // Held 30 + 60 minutes of 1500 offered (the Sunday 00:00–24:00 range is 25 hours long that day).
    expect(s.totals).to.include({
      booked: 2,
      utilisation: Math.round((90 / 1500) * 1e4) / 1e4,
      noShowRate: 0.5,
    });
    expect(s.byDoctor).to.deep.equal([
      { doctorId: doctor.id, name: doctor.name, booked: 2, completed: 1, noShowRate: 0.5, utilisation: 0.06 },
    ]);

    const day26 = await appointmentSummary(admin, {
      from: '2026-10-26',
      to: '2026-10-26',
      interval: 'day',
      doctorId: doctor.id,
    });
    expect(day26.totals).to.include({
      booked: 1,
      cancelled: 1,
      cancellationRate: 1,
      noShowRate: 0,
      utilisation: 0,
    });
  });

  it('counts offered minutes from weekly hours and overrides (closed day, extra hours)', async () => {
    // Mon 26 Oct – Sun 1 Nov: Mon, Tue, Thu, Fri 8 h (Wed closed) + Sat 2 h (override) + Sun 24 h.
    await appt(doctor.id, patient.patientId!, '2026-10-27T09:00:00Z', 'confirmed', 120);
    const s = await appointmentSummary(admin, {
      from: '2026-10-26',
      to: '2026-11-01',
      interval: 'week',
      doctorId: doctor.id,
    });
    const offered = 4 * 480 + 120 + 1440;
    expect(s.series.map((x) => x.period)).to.deep.equal(['2026-10-26']);
    // The cancelled 30 min of the 26th hold nothing; the 120 min confirmed one does.
    expect(s.totals.utilisation).to.equal(Math.round((120 / offered) * 1e4) / 1e4);
    // A date-time window cuts hours exactly: Tue 27 Oct 10:00–11:00 Berlin = 60 of 60 minutes booked.
    const hour = await appointmentSummary(admin, {
      from: '2026-10-27T10:00:00+01:00',
      to: '2026-10-27T11:00:00+01:00',
      interval: 'day',
      doctorId: doctor.id,
    });
    expect(hour.totals).to.include({ booked: 1, utilisation: 2 });
  });

  it('matches direct SQL counts for every appointment figure over a month', async () => {
    const other = await createUser('doctor', { timeZone: 'Europe/Berlin' });
    const statuses = ['pending', 'confirmed', 'completed', 'cancelled', 'no-show', 'rejected'];
    for (let i = 0; i < 30; i++) {
      await appt(
        i % 2 ? doctor.id : other.id,
        patient.patientId!,
        new Date(Date.UTC(2026, 10, 1 + i, 8 + (i % 5))).toISOString(),
        statuses[i % 6],
        15 + i,
      );
    }
    const s = await appointmentSummary(admin, { from: '2026-11-01', to: '2026-11-30', interval: 'week' });
    const from = new Date('2026-10-31T23:00:00Z');
    const to = new Date('2026-11-30T23:00:00Z');
    const { rows } = await knex().raw(
      `select to_char(date_trunc('week', starts_at at time zone 'Europe/Berlin'), 'YYYY-MM-DD') as period,
              count(*)::int as booked,
              count(*) filter (where status = 'completed')::int as completed,
              count(*) filter (where status = 'cancelled')::int as cancelled,
              count(*) filter (where status = 'no-show')::int as "noShow"
         from appointments where starts_at >= ? and starts_at < ? and status <> 'rejected' group by 1 order by 1`,
      [from, to],
    );
    expect(s.series.filter((x) => x.booked > 0)).to.deep.equal(rows);
    const { rows: t } = await knex().raw(
      `select count(*)::int as booked, count(*) filter (where status = 'cancelled')::int as cancelled,
              count(*) filter (where status = 'no-show')::int as no_show,
              coalesce(sum(extract(epoch from ends_at - starts_at) / 60) filter (where status in ('pending','confirmed','completed','no-show')), 0)::float as held
         from appointments where starts_at >= ? and starts_at < ? and status <> 'rejected'`,
      [from, to],
    );
    expect(s.totals.booked).to.equal(t[0].booked);
    expect(s.totals.cancellationRate).to.equal(Math.round((t[0].cancelled / t[0].booked) * 1e4) / 1e4);
    expect(s.totals.noShowRate).to.equal(
      Math.round((t[0].no_show / (t[0].booked - t[0].cancelled)) * 1e4) / 1e4,
    );
    // Offered minutes of November in Berlin for `doctor` (other doctors, e.g. `other`, have none or their own).
    let offered = 0;
    for (let d = 1; d <= 30; d++) {
      const wd = new Date(Date.UTC(2026, 10, d)).getUTCDay(); // 0 = Sunday
      offered += wd === 0 ? 1440 : wd === 6 ? 0 : 480;
    }
    const mine = s.byDoctor.find((x) => x.doctorId === doctor.id)!;
    const { rows: m } = await knex().raw(
      `select count(*)::int as booked, count(*) filter (where status = 'completed')::int as completed,
              count(*) filter (where status = 'cancelled')::int as cancelled,
              count(*) filter (where status = 'no-show')::int as no_show,
              coalesce(sum(extract(epoch from ends_at - starts_at) / 60) filter (where status in ('pending','confirmed','completed','no-show')), 0)::float as held
         from appointments where doctor_id = ? and starts_at >= ? and starts_at < ? and status <> 'rejected'`,
      [doctor.id, from, to],
    );
    expect(mine).to.deep.equal({
      doctorId: doctor.id,
      name: doctor.name,
      booked: m[0].booked,
      completed: m[0].completed,
      noShowRate: Math.round((m[0].no_show / (m[0].booked - m[0].cancelled)) * 1e4) / 1e4,
      utilisation: Math.round((m[0].held / offered) * 1e4) / 1e4,
    });
    const theirs = s.byDoctor.find((x) => x.doctorId === other.id)!;
    expect(theirs.utilisation).to.equal(0);
  });

  it('counts patients, new patients, walk-ins and visits like SQL, in Berlin buckets', async () => {
    const w1 = await createWalkInPatient();
    const w2 = await createWalkInPatient();
    await knex()('patients')
      .whereIn('id', [w1.id, w2.id])
      .update({ createdAt: new Date('2026-03-29T00:30:00Z') });
    await knex()('visits').insert({
      patientId: w1.id,
      doctorId: doctor.id,
      occurredAt: new Date('2026-03-28T23:30:00Z'), // 00:30 CET on the 29th (clocks go forward that night)
      createdBy: doctor.id,
    });
    const s = await patientSummary(admin, { from: '2026-03-29', to: '2026-03-29', interval: 'day' });
    expect(s.series).to.have.length(1);
    const from = new Date('2026-03-28T23:00:00Z');
    const to = new Date('2026-03-29T22:00:00Z'); // a 23-hour day
    expect(s.to).to.equal(to.toISOString());
    const { rows } = await knex().raw(
      `select (select count(*)::int from patients where deleted_at is null and created_at < :to) as patients,
              (select count(*)::int from patients where deleted_at is null and created_at >= :from and created_at < :to) as "newPatients",
              (select count(*)::int from visits where occurred_at >= :from and occurred_at < :to) as visits,
              (select count(*)::int from patients where deleted_at is null and user_id is null and created_at >= :from and created_at < :to) as "walkIns"`,
      { from, to },
    );
    expect(s.totals).to.deep.equal(rows[0]);
    expect(s.totals).to.include({ newPatients: 2, walkIns: 2, visits: 1 });
    expect(s.series[0]).to.deep.equal({ period: '2026-03-29', newPatients: 2, visits: 1 });
  });

  it('sums revenue per currency from Stripe payments and desk payments, net of refunds, like SQL', async () => {
    const a = await appt(doctor.id, patient.patientId!, '2026-06-10T09:00:00Z', 'completed');
    const [p] = await knex()('payments')
      .insert({
        appointmentId: a,
        attempt: 1,
        stripeCheckoutSessionId: `cs_an_${a}`,
        amountCents: 5000,
        currency: 'eur',
        status: 'partially_refunded',
        sessionStatus: 'complete',
        amountRefundedCents: 1500,
        expiresAt: new Date('2026-06-10T10:00:00Z'),
        paidAt: new Date('2026-06-01T08:00:00Z'),
      })
      .returning('id');
    await knex()('refunds').insert([
      {
        paymentId: p.id,
        amountCents: 1500,
        status: 'succeeded',
        idempotencyKey: `an1:${a}`,
        reason: 'cancellation',
        createdAt: new Date('2026-07-02T10:00:00Z'),
      },
      {
        paymentId: p.id,
        amountCents: 700,
        status: 'failed',
        idempotencyKey: `an2:${a}`,
        reason: 'cancellation',
        createdAt: new Date('2026-07-02T10:00:00Z'),
      },
    ]);
    const [inv] = await knex()('invoices')
      .insert({
        patientId: patient.patientId,
        currency: 'usd',
        status: 'issued',
        // A year no test issues in, so the numbering test's "gap-free this year" check is unaffected.
        year: 1999,
        seq: 1,
        number: 'INV-1999-000001',
        issuedAt: new Date(),
        subtotalCents: 10000,
        totalCents: 10000,
      })
      .returning('id');
    await knex()('invoicePayments').insert([
      {
        invoiceId: inv.id,
        kind: 'payment',
        method: 'cash',
        amountCents: 2500,
        currency: 'usd',
        createdAt: new Date('2026-06-30T22:30:00Z'),
      }, // 1 July in Berlin
      {
        invoiceId: inv.id,
        kind: 'payment',
        method: 'card',
        amountCents: 4000,
        currency: 'usd',
        createdAt: new Date('2026-06-15T12:00:00Z'),
      },
    ]);
    const s = await revenueSummary(admin, { from: '2026-06-01', to: '2026-07-31', interval: 'month' });
    const { rows } = await knex().raw(
      `select currency, to_char(date_trunc('month', at at time zone 'Europe/Berlin'), 'YYYY-MM-DD') as period,
              sum(gross)::int as "grossCents", sum(refund)::int as "refundedCents", (sum(gross) - sum(refund))::int as "netCents"
         from (select p.currency, p.paid_at as at, p.amount_cents as gross, 0 as refund from payments p
                where p.status in ('paid','partially_refunded','refunded')
               union all select p.currency, r.created_at, 0, r.amount_cents from refunds r join payments p on p.id = r.payment_id where r.status = 'succeeded'
               union all select currency, created_at, case when kind = 'payment' then amount_cents else 0 end, case when kind = 'refund' then amount_cents else 0 end
                 from invoice_payments where payment_id is null) m
        where at >= '2026-05-31T22:00:00Z' and at < '2026-07-31T22:00:00Z'
        group by 1, 2 order by 1, 2`,
    );
    const flat = s.currencies.flatMap((c) =>
      c.series.filter((x) => x.grossCents || x.refundedCents).map((x) => ({ currency: c.currency, ...x })),
    );
    expect(flat).to.deep.equal(rows);
    const eur = s.currencies.find((c) => c.currency === 'eur')!;
    const usd = s.currencies.find((c) => c.currency === 'usd')!;
    expect(eur.totals.grossCents - eur.totals.refundedCents).to.equal(eur.totals.netCents);
    expect(usd.series.find((x) => x.period === '2026-07-01')!.grossCents).to.be.at.least(2500);
    const doc = await revenueSummary(admin, {
      from: '2026-06-01',
      to: '2026-07-31',
      interval: 'month',
      doctorId: doctor.id,
    });
    expect(doc.currencies.map((c) => [c.currency, c.totals])).to.deep.equal([
      ['eur', { grossCents: 5000, refundedCents: 1500, netCents: 3500 }],
    ]);
  });

  it('refuses empty and oversized ranges and other doctors (400 / 403)', async () => {
    const fails = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        return (e as AppError).status;
      }
      return 0;
    };
    expect(await fails(() => appointmentSummary(admin, { from: '2026-10-02', to: '2026-10-01' }))).to.equal(
      400,
    );
    expect(
      await fails(() => appointmentSummary(admin, { from: '2020-01-01', to: '2026-01-01', interval: 'day' })),
    ).to.equal(400);
    expect(await fails(() => appointmentSummary(admin, { from: '2026-02-30', to: '2026-03-01' }))).to.equal(
      400,
    );
    const me: Actor = { userId: doctor.id, role: 'doctor', adminRoles: [] };
    expect(
      await fails(() =>
        appointmentSummary(me, { from: '2026-10-01', to: '2026-10-02', doctorId: admin.userId }),
      ),
    ).to.equal(403);
    const own = await appointmentSummary(me, { from: '2026-10-25', to: '2026-10-25', interval: 'day' });
    expect(own.doctorId).to.equal(doctor.id);
  });
});
