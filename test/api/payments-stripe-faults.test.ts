/**
 * Stripe failing behind the real `stripe` client (issue #11): the fake answers 500, hangs, or carries
 * a request out and then answers 500. Refunds are made once, checkout answers 503 (never 500), and a
 * failed attempt leaves nothing half-written.
 */
import { expect } from 'chai';
import { parseCrontab } from 'graphile-worker';
import { reconcilePayments } from '../../domain/payments/reconcile-payments.js';
import { testContext } from '../helpers/context.js';
import { deliverWebhook, type FakeStripe, useFakeStripe } from '../helpers/fake-stripe.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';
import { buildCrontab } from '../../worker/task-list.js';

const HOUR = 3_600_000;
/** Short, so a hanging Stripe costs 3 × 400 ms plus the client's back-off instead of 3 × 20 s. */
const TIMEOUT_MS = 400;

let fake: FakeStripe;
let slot = 0;

interface Fixture {
  patient: TestUser;
  appointmentId: string;
}

async function fixture(): Promise<Fixture> {
  const doctor = await createUser('doctor', { doctor: { feeCents: 5000, currency: 'usd' } });
  const patient = await createUser('patient');
  const startsAt = new Date(Date.now() + 72 * HOUR + ++slot * 60_000);
  const [row] = await testContext()
    .knex('appointments')
    .insert({
      doctorId: doctor.id,
      patientId: patient.patientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: 'pending',
      feeCents: 5000,
      currency: 'usd',
      refundPolicy: JSON.stringify({ fullRefundHours: 24, latePercent: 50, noShowPercent: 0 }),
      createdBy: patient.id,
    })
    .returning('id');
  return { patient, appointmentId: row.id };
}

const paymentsOf = (appointmentId: string) =>
  testContext().knex('payments').where({ appointmentId }).orderBy('attempt');

/** A confirmed, paid appointment (checkout → the customer pays → webhook processed). */
async function paidFixture() {
  const f = await fixture();
  const res = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
  expect(res.status, res.text).to.equal(200);
  const session = fake.pay(res.body.sessionId);
  const event = fake.event('checkout.session.completed', session);
  expect((await deliverWebhook(event)).status).to.equal(200);
  await waitUntil(async () => (await paymentsOf(f.appointmentId))[0]?.status === 'paid', 15_000, 'paid');
  await drainJobs();
  const [payment] = await paymentsOf(f.appointmentId);
  return { ...f, session, payment, pi: session.payment_intent as string };
}

async function cancel(appointmentId: string): Promise<void> {
  const staff = await createUser('staff');
  const res = await api.as(staff.token).post(`/appointments/${appointmentId}/cancel`, {});
  expect(res.status, res.text).to.equal(200);
}

const stripeRefundsOf = (pi: string) => [...fake.refunds.values()].filter((r) => r.payment_intent === pi);
const refundCallsOf = (pi: string) => fake.refundCalls.filter((c) => c.paymentIntent === pi);

describe('Payments when Stripe fails (500s, timeouts, lost answers)', function () {
  this.timeout(40_000);

  fake = useFakeStripe({ timeoutMs: TIMEOUT_MS });

  afterEach(() => fake.heal());

  it('a refund whose Stripe call times out once is retried by the client with the same key: one refund', async () => {
    const f = await paidFixture();
    fake.fail({ mode: 'hang', paths: ['POST /v1/refunds'], times: 1 });
    await cancel(f.appointmentId);
    await waitUntil(
      async () => (await paymentsOf(f.appointmentId))[0].status === 'refunded',
      15_000,
      'refunded',
    );
    await drainJobs();
    expect(fake.faultCounts.hang).to.equal(1);
    // The hung request did nothing; the client's retry (same Idempotency-Key) made the one refund.
    expect(refundCallsOf(f.pi).map((c) => [c.idempotencyKey, c.created])).to.deep.equal([
      [`refund:${f.payment.id}:5000`, true],
    ]);
    expect(stripeRefundsOf(f.pi)).to.have.length(1);
    const rows = await testContext().knex('refunds').where({ paymentId: f.payment.id });
    expect(rows.map((r) => [r.status, r.amountCents, r.stripeRefundId])).to.deep.equal([
      ['succeeded', 5000, stripeRefundsOf(f.pi)[0].id],
    ]);
  });

  it('a refund job whose every Stripe attempt times out fails, writes no half state, and its retry refunds once', async () => {
    const f = await paidFixture();
    // The client's three attempts (1 + 2 retries) all hang: the job attempt fails with a timeout.
    fake.fail({ mode: 'hang', paths: ['POST /v1/refunds'], times: 3 });
    const hangsBefore = fake.faultCounts.hang;
    await cancel(f.appointmentId);
    const [failed] = await waitUntil(
      async () => {
        const jobs = await jobsFor(`refund_payment:${f.payment.id}`);
        return jobs[0]?.last_error ? jobs : null;
      },
      15_000,
      'the refund job to fail its first attempt',
    );
    expect(failed.last_error).to.match(/timeout/i);
    expect(fake.faultCounts.hang - hangsBefore).to.equal(3);
    // Nothing changed but the owed refund's row (no Stripe id yet), which the retry picks up.
    expect((await paymentsOf(f.appointmentId))[0]).to.include({ status: 'paid', amountRefundedCents: 0 });
    const pending = await testContext().knex('refunds').where({ paymentId: f.payment.id });
    expect(pending.map((r) => [r.status, r.stripeRefundId, r.idempotencyKey])).to.deep.equal([
      ['pending', null, `refund:${f.payment.id}:5000`],
    ]);
    expect(stripeRefundsOf(f.pi)).to.have.length(0);
    expect(
      testContext()
        .smtp.to(f.patient.email)
        .filter((m) => m.subject.startsWith('Refund')),
    ).to.deep.equal([]);

    // graphile-worker's own back-off (≈ 2.7 s) retries it; Stripe answers again by then.
    await waitUntil(
      async () => (await paymentsOf(f.appointmentId))[0].status === 'refunded',
      20_000,
      'the retried job to refund',
    );
    await drainJobs();
    expect(refundCallsOf(f.pi).map((c) => [c.idempotencyKey, c.created])).to.deep.equal([
      [`refund:${f.payment.id}:5000`, true],
    ]);
    expect(stripeRefundsOf(f.pi)).to.have.length(1);
    expect(await testContext().knex('refunds').where({ paymentId: f.payment.id })).to.have.length(1);
    await testContext().smtp.waitFor(f.patient.email, (m) => m.subject.startsWith('Refund issued'));
  });

  it('a refund Stripe made but answered with 500 is replayed by its idempotency key, not made twice', async () => {
    const f = await paidFixture();
    fake.fail({ mode: 'apply-then-500', paths: ['POST /v1/refunds'], times: 1 });
    await cancel(f.appointmentId);
    await waitUntil(
      async () => (await paymentsOf(f.appointmentId))[0].status === 'refunded',
      15_000,
      'refunded',
    );
    await drainJobs();
    const key = `refund:${f.payment.id}:5000`;
    // First call: carried out at Stripe, answered 500. The client's retry: the stored refund, replayed.
    expect(refundCallsOf(f.pi).map((c) => [c.idempotencyKey, c.created, c.failed])).to.deep.equal([
      [key, true, true],
      [key, false, false],
    ]);
    expect(stripeRefundsOf(f.pi)).to.have.length(1);
    const rows = await testContext().knex('refunds').where({ paymentId: f.payment.id });
    expect(rows.map((r) => [r.status, r.stripeRefundId])).to.deep.equal([
      ['succeeded', stripeRefundsOf(f.pi)[0].id],
    ]);
    expect((await paymentsOf(f.appointmentId))[0]).to.include({ amountRefundedCents: 5000 });
  });

  it('a refund job failing on 500s that Stripe never carried out makes the refund on its retry (nothing was stored under the key)', async () => {
    const f = await paidFixture();
    fake.fail({ mode: '500', paths: ['POST /v1/refunds'], times: 3 });
    await cancel(f.appointmentId);
    await waitUntil(
      async () => (await jobsFor(`refund_payment:${f.payment.id}`))[0]?.last_error,
      15_000,
      'a failed attempt',
    );
    expect(stripeRefundsOf(f.pi)).to.have.length(0);
    await waitUntil(
      async () => (await paymentsOf(f.appointmentId))[0].status === 'refunded',
      20_000,
      'refunded on the retry',
    );
    await drainJobs();
    expect(refundCallsOf(f.pi).filter((c) => c.created)).to.have.length(1);
    expect(stripeRefundsOf(f.pi)).to.have.length(1);
    expect(await testContext().knex('refunds').where({ paymentId: f.payment.id })).to.have.length(1);
  });

  it('checkout answers 503 payments_unavailable with Retry-After on 500s and timeouts, and nothing is stored', async () => {
    for (const mode of ['500', 'hang'] as const) {
      const f = await fixture();
      fake.fail({ mode, paths: ['POST /v1/checkout/sessions'] });
      const res = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
      expect(res.status, `${mode}: ${res.text}`).to.equal(503);
      expect(errorOf(res).code).to.equal('payments_unavailable');
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
      expect(await paymentsOf(f.appointmentId), mode).to.deep.equal([]);
      fake.heal();
      const again = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
      expect(again.status, again.text).to.equal(200);
      expect(await paymentsOf(f.appointmentId)).to.have.length(1);
    }
  });

  it('a checkout session Stripe created but answered with 500 is handed out on the next click, not created again', async () => {
    const f = await fixture();
    // All three attempts of the client: the first creates the session, the replays fail as well.
    fake.fail({ mode: 'apply-then-500', paths: ['POST /v1/checkout/sessions'], times: 3 });
    const created = fake.sessionCalls.filter((c) => c.created).length;
    const res = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
    expect(res.status, res.text).to.equal(503);
    expect(errorOf(res).code).to.equal('payments_unavailable');
    expect(await paymentsOf(f.appointmentId)).to.deep.equal([]);
    const again = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
    expect(again.status, again.text).to.equal(200);
    expect(fake.sessionCalls.filter((c) => c.created).length - created).to.equal(1);
    expect(fake.sessionCalls.at(-1)).to.deep.equal({
      idempotencyKey: `checkout:${f.appointmentId}:1`,
      created: false,
    });
    const [payment] = await paymentsOf(f.appointmentId);
    expect(payment.stripeCheckoutSessionId).to.equal(again.body.sessionId);
  });

  it('a reconciliation run failing on Stripe records its error, leaves the cursor, and the next run repairs', async () => {
    const f = await fixture();
    const res = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/checkout`);
    fake.pay(res.body.sessionId); // no webhook: only reconciliation can find the payment
    const lastGood = await testContext()
      .knex('paymentReconciliationRuns')
      .whereNotNull('finishedAt')
      .whereNull('error')
      .max('startedAt as at')
      .first();
    fake.fail({ mode: '500', paths: ['/v1/checkout/sessions'] });
    const error = await reconcilePayments().then(
      () => null,
      (err: unknown) => err,
    );
    expect(String(error)).to.match(/unknown error/i);
    const failedRun = await testContext().knex('paymentReconciliationRuns').orderBy('id', 'desc').first();
    expect(failedRun.error).to.match(/unknown error/i);
    expect(failedRun.finishedAt).to.be.an.instanceOf(Date);
    expect((await paymentsOf(f.appointmentId))[0].status).to.equal('unpaid');
    fake.heal();
    const report = await reconcilePayments();
    // The failed run did not move the cursor: this one looks back from the last good run.
    if (lastGood?.at) expect(report.cursor.getTime()).to.equal(lastGood.at.getTime() - 25 * HOUR);
    expect(report.fixed.map((x) => x.sessionId)).to.include(res.body.sessionId);
    await drainJobs();
    expect((await paymentsOf(f.appointmentId))[0].status).to.equal('paid');
  });

  it('the reconciliation cron retries a failed run (not max=1) and keeps one run queued (job key)', () => {
    const item = parseCrontab(buildCrontab()).find((i) => i.task === 'reconcile_payments');
    expect(item?.options).to.include({ maxAttempts: 5, jobKey: 'reconcile_payments', jobKeyMode: 'replace' });
  });
});
