import { expect } from 'chai';
import { addJob } from '../../db/jobs.js';
import { refundPayment } from '../../domain/payments/refund-payment.js';
import { type Services, services, setServices } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { deliverWebhook, type FakeStripe, useFakeStripe } from '../helpers/fake-stripe.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const HOUR = 3_600_000;
const POLICY = { fullRefundHours: 24, latePercent: 50, noShowPercent: 0 };

let fake: FakeStripe;

/** Runs `fn` with a modified Stripe configuration, restoring the suite's afterwards. */
async function withStripeConfig<T>(
  patch: Partial<Services['config']['stripe']>,
  fn: () => Promise<T>,
): Promise<T> {
  const current = services();
  setServices({ ...current, config: { ...current.config, stripe: { ...current.config.stripe, ...patch } } });
  try {
    return await fn();
  } finally {
    setServices(current);
  }
}

interface Fixture {
  doctor: TestUser;
  patient: TestUser;
  appointmentId: string;
}

let slotOffset = 0;
/** A fee-bearing pending appointment inserted directly (a fresh doctor, so slots never collide). */
async function fixture(
  opts: { feeCents?: number; startsInHours?: number; status?: string; currency?: string } = {},
): Promise<Fixture> {
  const doctor = await createUser('doctor', {
    name: 'Gregory House',
    doctor: { feeCents: opts.feeCents ?? 5000, currency: opts.currency ?? 'usd' },
  });
  const patient = await createUser('patient');
  const startsAt = new Date(Date.now() + (opts.startsInHours ?? 72) * HOUR + ++slotOffset * 60_000);
  const [row] = await testContext()
    .knex('appointments')
    .insert({
      doctorId: doctor.id,
      patientId: patient.patientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: opts.status ?? 'pending',
      feeCents: opts.feeCents ?? 5000,
      currency: opts.currency ?? 'usd',
      refundPolicy: JSON.stringify(POLICY),
      createdBy: patient.id,
    })
    .returning('id');
  return { doctor, patient, appointmentId: row.id };
}

const checkout = (token: string, appointmentId: string) =>
  api.as(token).post(`/appointments/${appointmentId}/checkout`);

async function eventRow(id: string) {
  return testContext().knex('stripeEvents').where({ id }).first();
}

/** Delivers a signed event and waits until its processing job has recorded an outcome. */
async function deliverAndProcess(event: Record<string, any>): Promise<void> {
  const res = await deliverWebhook(event);
  expect(res.status, res.text).to.equal(200);
  await waitUntil(async () => (await eventRow(event.id))?.processedAt, 15_000, `event ${event.id} processed`);
}

async function appointment(id: string) {
  return testContext().knex('appointments').where({ id }).first();
}

async function paymentsOf(appointmentId: string) {
  return testContext().knex('payments').where({ appointmentId }).orderBy('attempt');
}

/** Checkout as the patient, then the customer pays at the fake; returns the session. */
async function checkoutAndPay(f: Fixture, opts: { async?: boolean } = {}) {
  const res = await checkout(f.patient.token, f.appointmentId);
  expect(res.status, res.text).to.equal(200);
  return fake.pay(res.body.sessionId, opts);
}

describe('Payments (Stripe through a local fake)', function () {
  this.timeout(30_000);

  fake = useFakeStripe();

  describe('POST /appointments/:id/checkout', () => {
    it('creates a Checkout Session for the doctor fee with the appointment in metadata (200 {url, sessionId})', async () => {
      const f = await fixture({ feeCents: 7500, currency: 'eur' });
      const res = await checkout(f.patient.token, f.appointmentId);
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.have.keys('url', 'sessionId');
      const session = fake.mustSession(res.body.sessionId);
      expect(session.amount_total).to.equal(7500);
      expect(session.currency).to.equal('eur');
      expect(session.metadata.appointment_id).to.equal(f.appointmentId);
      expect(session.client_reference_id).to.equal(f.appointmentId);
      expect(session.line_items_names[0]).to.match(/^Appointment with Dr\. Gregory House on /);
      expect(session.success_url).to.contain(`/appointments/${f.appointmentId}`);
      // The hold ended long ago (created_at = now), so Stripe's 30-minute minimum applies.
      expect(session.expires_at * 1000 - Date.now()).to.be.within(30 * 60_000, 33 * 60_000);
      const call = fake.sessionCalls.at(-1)!;
      expect(call.idempotencyKey).to.equal(`checkout:${f.appointmentId}:1`);
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment).to.include({
        stripeCheckoutSessionId: res.body.sessionId,
        amountCents: 7500,
        currency: 'eur',
        status: 'unpaid',
      });
    });

    it('makes one session of a double click (3 concurrent requests → same sessionId)', async () => {
      const f = await fixture();
      const before = fake.sessionCalls.filter((c) => c.created).length;
      const results = await Promise.all([1, 2, 3].map(() => checkout(f.patient.token, f.appointmentId)));
      expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
      expect(new Set(results.map((r) => r.body.sessionId)).size).to.equal(1);
      expect(fake.sessionCalls.filter((c) => c.created).length - before).to.equal(1);
      expect(await paymentsOf(f.appointmentId)).to.have.length(1);
    });

    it('starts a new attempt once the previous session expired', async () => {
      const f = await fixture();
      const first = await checkout(f.patient.token, f.appointmentId);
      fake.expire(first.body.sessionId);
      await deliverAndProcess(fake.event('checkout.session.expired', fake.mustSession(first.body.sessionId)));
      const second = await checkout(f.patient.token, f.appointmentId);
      expect(second.status).to.equal(200);
      expect(second.body.sessionId).to.not.equal(first.body.sessionId);
      expect(fake.sessionCalls.at(-1)!.idempotencyKey).to.equal(`checkout:${f.appointmentId}:2`);
      const rows = await paymentsOf(f.appointmentId);
      expect(rows.map((r) => [r.attempt, r.sessionStatus])).to.deep.equal([
        [1, 'expired'],
        [2, 'open'],
      ]);
    });

    it('answers 409 payment_not_required, already_paid and invalid_transition', async () => {
      const free = await fixture({ feeCents: 0 });
      expect(errorOf(await checkout(free.patient.token, free.appointmentId)).code).to.equal(
        'payment_not_required',
      );

      const paid = await fixture();
      const session = await checkoutAndPay(paid);
      await deliverAndProcess(fake.event('checkout.session.completed', session));
      const again = await checkout(paid.patient.token, paid.appointmentId);
      expect(again.status).to.equal(409);
      expect(errorOf(again).code).to.equal('already_paid');

      const confirmed = await fixture({ status: 'confirmed' });
      const res = await checkout(confirmed.patient.token, confirmed.appointmentId);
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('invalid_transition');
    });

    it('answers 409 payment_processing while a delayed payment settles, and allows a new attempt once it failed', async () => {
      const f = await fixture();
      const s = await checkoutAndPay(f, { async: true });
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      const created = fake.sessionCalls.filter((c) => c.created).length;
      const res = await checkout(f.patient.token, f.appointmentId);
      expect(res.status, res.text).to.equal(409);
      expect(errorOf(res).code).to.equal('payment_processing');
      expect(fake.sessionCalls.filter((c) => c.created).length).to.equal(created);

      await deliverAndProcess(fake.event('checkout.session.async_payment_failed', fake.asyncFail(s.id)));
      const retry = await checkout(f.patient.token, f.appointmentId);
      expect(retry.status, retry.text).to.equal(200);
      expect(retry.body.sessionId).to.not.equal(s.id);
      expect((await paymentsOf(f.appointmentId)).map((p) => [p.attempt, p.status])).to.deep.equal([
        [1, 'failed'],
        [2, 'unpaid'],
      ]);
    });

    it('answers 503 payments_not_configured without STRIPE_SECRET_KEY, also on the webhook', async () => {
      const f = await fixture();
      await withStripeConfig({ secretKey: undefined }, async () => {
        const res = await checkout(f.patient.token, f.appointmentId);
        expect(res.status).to.equal(503);
        expect(errorOf(res).code).to.equal('payments_not_configured');
        expect(errorOf(res).message).to.contain('STRIPE_SECRET_KEY');
        const hook = await deliverWebhook(fake.event('checkout.session.completed', { id: 'cs_test_x' }));
        expect(hook.status).to.equal(503);
        // Every payment route is off, reads included (SPEC: "payment routes then answer 503").
        const read = await api.as(f.patient.token).get(`/appointments/${f.appointmentId}/payment`);
        expect(read.status).to.equal(503);
        expect(errorOf(read).code).to.equal('payments_not_configured');
      });
      await withStripeConfig({ webhookSecret: undefined }, async () => {
        const hook = await deliverWebhook(fake.event('checkout.session.completed', { id: 'cs_test_x' }));
        expect(hook.status).to.equal(503);
        expect(errorOf(hook).message).to.contain('STRIPE_WEBHOOK_SECRET');
      });
    });
  });

  describe('POST /webhooks/stripe', () => {
    it('refuses a bad signature, a stale timestamp, a wrong secret and a missing header (400, nothing stored)', async () => {
      const cases = [
        { signature: 't=123,v1=deadbeef' },
        { timestamp: Math.floor(Date.now() / 1000) - 301 },
        { secret: 'whsec_someone_else' },
        { signature: null },
      ];
      for (const opts of cases) {
        const event = fake.event('checkout.session.completed', {
          id: 'cs_test_nothing',
          object: 'checkout.session',
        });
        const res = await deliverWebhook(event, opts);
        expect(res.status, JSON.stringify(opts)).to.equal(400);
        expect(errorOf(res).code).to.equal('invalid_signature');
        expect(await eventRow(event.id)).to.equal(undefined);
        expect(await jobsFor(`process_stripe_event:${event.id}`)).to.have.length(0);
      }
    });

    it('verifies over the raw bytes: a re-serialised body fails (400)', async () => {
      const event = fake.event('checkout.session.completed', {
        id: 'cs_test_raw',
        object: 'checkout.session',
      });
      const payload = JSON.stringify(event, null, 2);
      const res = await deliverWebhook(event, {
        rawBody: JSON.stringify(event),
        signature: (await import('stripe')).default.webhooks.generateTestHeaderString({
          payload,
          secret: 'whsec_clinicflow_test',
        }),
      });
      expect(res.status).to.equal(400);
      expect(await eventRow(event.id)).to.equal(undefined);
    });

    it('answers a correctly signed body that is not an event with 400 invalid_payload', async () => {
      const res = await deliverWebhook({}, { rawBody: '{"not": "an event"' });
      expect(res.status).to.equal(400);
      expect(errorOf(res).code).to.equal('invalid_payload');
    });

    it('answers 413 for a body over 1 MB', async () => {
      const res = await deliverWebhook(
        {},
        { rawBody: JSON.stringify({ id: 'evt_big', pad: 'x'.repeat(1_100_000) }) },
      );
      expect(res.status).to.equal(413);
      expect(errorOf(res).code).to.equal('payload_too_large');
    });

    it('acknowledges and records an unhandled event type without queueing a job (200)', async () => {
      const event = fake.event('customer.created', { id: 'cus_test_1', object: 'customer' });
      const res = await deliverWebhook(event);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ received: true, duplicate: false });
      const row = await eventRow(event.id);
      expect(row).to.include({ type: 'customer.created', outcome: 'ignored' });
      expect(row.processedAt).to.be.instanceOf(Date);
      expect(await jobsFor(`process_stripe_event:${event.id}`)).to.have.length(0);
    });

    it('applies one event delivered 5 times (3 concurrently) once: one state change, one email, reminders scheduled', async () => {
      const f = await fixture();
      const session = await checkoutAndPay(f);
      const event = fake.event('checkout.session.completed', session);
      const concurrent = await Promise.all([1, 2, 3].map(() => deliverWebhook(event)));
      const sequential = [await deliverWebhook(event), await deliverWebhook(event)];
      const all = [...concurrent, ...sequential];
      expect(all.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(all.filter((r) => r.body.duplicate === false)).to.have.length(1);
      await waitUntil(async () => (await eventRow(event.id))?.processedAt, 15_000, 'event processed');
      await drainJobs();

      expect(await testContext().knex('stripeEvents').where({ id: event.id })).to.have.length(1);
      const appt = await appointment(f.appointmentId);
      expect(appt).to.include({ status: 'confirmed', paymentStatus: 'paid' });
      const history = await testContext()
        .knex('appointmentStatusHistory')
        .where({ appointmentId: f.appointmentId, toStatus: 'confirmed' });
      expect(history).to.have.length(1);
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment).to.include({ status: 'paid', sessionStatus: 'complete' });
      expect(payment.paidAt).to.be.instanceOf(Date);
      expect(await jobsFor(`send_appointment_reminder:${f.appointmentId}:`)).to.have.length.greaterThan(0);

      const mail = await testContext().smtp.waitFor(f.patient.email, (m) =>
        m.subject.startsWith('Payment received'),
      );
      expect(mail.subject).to.equal('Payment received: $50.00');
      expect(mail.text).to.contain('Gregory House');
      expect(
        testContext()
          .smtp.to(f.patient.email)
          .filter((m) => m.subject.startsWith('Payment received')),
      ).to.have.length(1);
      const ledger = await testContext()
        .knex('emailDeliveries')
        .where({ ledgerKey: `payment_confirmed:${payment.id}` });
      expect(ledger).to.have.length(1);
    });

    it('ends in the same state whatever order the events arrive in (async payment: succeeded before completed)', async () => {
      const inOrder = await fixture();
      const reversed = await fixture();
      const events = async (f: Fixture) => {
        const s = await checkoutAndPay(f, { async: true });
        const completed = fake.event('checkout.session.completed', s);
        const succeeded = fake.event('checkout.session.async_payment_succeeded', fake.asyncSucceed(s.id));
        return [completed, succeeded];
      };
      for (const e of await events(inOrder)) await deliverAndProcess(e);
      for (const e of (await events(reversed)).reverse()) await deliverAndProcess(e);
      await drainJobs();
      for (const f of [inOrder, reversed]) {
        expect(await appointment(f.appointmentId)).to.include({ status: 'confirmed', paymentStatus: 'paid' });
        expect((await paymentsOf(f.appointmentId))[0]).to.include({
          status: 'paid',
          sessionStatus: 'complete',
        });
        await testContext().smtp.waitFor(f.patient.email, (m) => m.subject.startsWith('Payment received'));
      }
    });

    it('ends in the same state when a stale "completed" arrives after the refund events', async () => {
      const f = await fixture();
      const s = await checkoutAndPay(f);
      const completed = fake.event('checkout.session.completed', s);
      const refund = fake.dashboardRefund(s.payment_intent, 2000);
      // The refund event first: processing must still find the session through the PaymentIntent.
      await deliverAndProcess(fake.event('refund.created', refund));
      await deliverAndProcess(completed);
      await drainJobs();
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment).to.include({ status: 'partially_refunded', amountRefundedCents: 2000 });
      expect(await appointment(f.appointmentId)).to.include({
        status: 'confirmed',
        paymentStatus: 'partially_refunded',
      });
      const refunds = await testContext().knex('refunds').where({ paymentId: payment.id });
      expect(refunds.map((r) => [r.reason, r.status, r.amountCents])).to.deep.equal([
        ['external', 'succeeded', 2000],
      ]);
    });

    it('marks a failed async payment failed and emails the patient a retry link', async () => {
      const f = await fixture();
      const s = await checkoutAndPay(f, { async: true });
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      expect((await paymentsOf(f.appointmentId))[0].status).to.equal('unpaid');
      await deliverAndProcess(fake.event('checkout.session.async_payment_failed', fake.asyncFail(s.id)));
      expect((await paymentsOf(f.appointmentId))[0].status).to.equal('failed');
      expect(await appointment(f.appointmentId)).to.include({ status: 'pending', paymentStatus: 'failed' });
      const mail = await testContext().smtp.waitFor(f.patient.email, (m) =>
        m.subject.startsWith('Payment failed'),
      );
      expect(mail.text).to.contain(`/appointments/${f.appointmentId}?pay=1`);
    });

    it('refunds in full a payment that arrives after the appointment was cancelled', async () => {
      const f = await fixture();
      const res = await checkout(f.patient.token, f.appointmentId);
      await testContext().knex('appointments').where({ id: f.appointmentId }).update({ status: 'cancelled' });
      const s = fake.pay(res.body.sessionId);
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      await drainJobs();
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment).to.include({ status: 'refunded', amountRefundedCents: 5000 });
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === s.payment_intent);
      expect(calls).to.have.length(1);
      expect(calls[0]).to.include({ idempotencyKey: `refund:${payment.id}:5000`, amount: 5000 });
      expect(await appointment(f.appointmentId)).to.include({
        status: 'cancelled',
        paymentStatus: 'refunded',
      });
      await testContext().smtp.waitFor(f.patient.email, (m) => m.subject === 'Refund issued: $50.00');
    });
  });

  describe('refunds on cancellation', () => {
    async function paidFixture(startsInHours: number) {
      const f = await fixture({ startsInHours });
      const s = await checkoutAndPay(f);
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      await drainJobs();
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment.status).to.equal('paid');
      return { ...f, session: s, payment };
    }

    it('refunds in full when cancelled ≥ 24 h before: exactly one Stripe refund carrying an idempotency key', async () => {
      const f = await paidFixture(72);
      const res = await api
        .as(f.patient.token)
        .post(`/appointments/${f.appointmentId}/cancel`, { reason: 'cannot come' });
      expect(res.status, res.text).to.equal(200);
      await drainJobs();
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      expect(calls).to.have.length(1);
      expect(calls[0]).to.include({
        idempotencyKey: `refund:${f.payment.id}:5000`,
        amount: 5000,
        created: true,
      });
      expect((await paymentsOf(f.appointmentId))[0]).to.include({
        status: 'refunded',
        amountRefundedCents: 5000,
      });
      expect(await appointment(f.appointmentId)).to.include({
        status: 'cancelled',
        paymentStatus: 'refunded',
      });
      const [refund] = await testContext().knex('refunds').where({ paymentId: f.payment.id });
      expect(refund).to.include({
        status: 'succeeded',
        reason: 'cancellation',
        idempotencyKey: `refund:${f.payment.id}:5000`,
      });
      await testContext().smtp.waitFor(f.patient.email, (m) => m.subject === 'Refund issued: $50.00');
    });

    it('refunds the late percentage when cancelled less than 24 h before (partially_refunded)', async () => {
      const f = await paidFixture(10);
      const res = await api.as(f.doctor.token).get(`/appointments/${f.appointmentId}/payment`);
      expect(res.body.paymentStatus).to.equal('paid');
      const staff = await createUser('staff');
      expect((await api.as(staff.token).post(`/appointments/${f.appointmentId}/cancel`, {})).status).to.equal(
        200,
      );
      await drainJobs();
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      expect(calls.map((c) => [c.idempotencyKey, c.amount])).to.deep.equal([
        [`refund:${f.payment.id}:2500`, 2500],
      ]);
      expect(await appointment(f.appointmentId)).to.include({ paymentStatus: 'partially_refunded' });
    });

    it('never refunds twice when the refund job is forced to retry after Stripe refunded', async () => {
      const f = await paidFixture(72);
      // Stripe carries the refund out but the answer is lost (3 = the client's own 2 retries + 1).
      fake.loseNextRefundResponses(3);
      const cancel = await api.as(f.patient.token).post(`/appointments/${f.appointmentId}/cancel`, {});
      expect(cancel.status, cancel.text).to.equal(200);
      const ofThisPayment = () =>
        fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      await waitUntil(
        () => ofThisPayment().length >= 3,
        15_000,
        'three refund calls whose answers were lost',
      );
      const failed = await waitUntil(
        async () => {
          // jobsFor returns raw rows (snake_case columns).
          const [job] = (await jobsFor(`refund_payment:${f.payment.id}`)) as unknown as {
            id: string;
            last_error: string | null;
          }[];
          return job?.last_error ? job : null;
        },
        15_000,
        'the refund job to fail its first attempt',
      );
      // Retry now instead of waiting for graphile-worker's back-off (what "retry" in the jobs admin does).
      await testContext().knex.raw(
        'select graphile_worker.reschedule_jobs(array[?::bigint], run_at := now())',
        [failed.id],
      );
      await waitUntil(
        async () => (await paymentsOf(f.appointmentId))[0].status === 'refunded',
        15_000,
        'refunded',
      );
      await drainJobs();
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      // The retry finds the refund at Stripe (by the key in its metadata) and may not even call again.
      expect(calls.length).to.be.at.least(3);
      expect(new Set(calls.map((c) => c.idempotencyKey))).to.deep.equal(
        new Set([`refund:${f.payment.id}:5000`]),
      );
      expect(calls.filter((c) => c.created)).to.have.length(1);
      expect(
        [...fake.refunds.values()].filter((r) => r.payment_intent === f.session.payment_intent),
      ).to.have.length(1);
      expect(await testContext().knex('refunds').where({ paymentId: f.payment.id })).to.have.length(1);
      await testContext().smtp.waitFor(f.patient.email, (m) => m.subject.startsWith('Refund issued'));
      expect(
        testContext()
          .smtp.to(f.patient.email)
          .filter((m) => m.subject.startsWith('Refund issued')),
      ).to.have.length(1);
    });
  });

  describe('refund job retries', () => {
    async function paidFixture(startsInHours = 72) {
      const f = await fixture({ startsInHours });
      const s = await checkoutAndPay(f);
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      await drainJobs();
      const [payment] = await paymentsOf(f.appointmentId);
      expect(payment.status).to.equal('paid');
      return { ...f, session: s, payment };
    }

    const stripeRefundsOf = (pi: string) => [...fake.refunds.values()].filter((r) => r.payment_intent === pi);

    it('never refunds twice when the retry comes after Stripe forgot the idempotency key', async () => {
      // A late cancellation (50 %): Stripe itself would accept a second partial refund.
      const f = await paidFixture(10);
      fake.loseNextRefundResponses(3);
      const staff = await createUser('staff');
      expect((await api.as(staff.token).post(`/appointments/${f.appointmentId}/cancel`, {})).status).to.equal(
        200,
      );
      const failed = await waitUntil(
        async () => {
          const [job] = (await jobsFor(`refund_payment:${f.payment.id}`)) as unknown as {
            id: string;
            last_error: string | null;
          }[];
          return job?.last_error ? job : null;
        },
        15_000,
        'the refund job to fail its first attempt',
      );
      const callsBefore = fake.refundCalls.length;
      // More than 24 hours later (back-off, or an operator's "retry"): Stripe no longer knows the key.
      fake.forgetIdempotencyKeys();
      await testContext().knex.raw(
        'select graphile_worker.reschedule_jobs(array[?::bigint], run_at := now())',
        [failed.id],
      );
      await waitUntil(
        async () => {
          const [job] = await jobsFor(`refund_payment:${f.payment.id}`);
          return !job && (await paymentsOf(f.appointmentId))[0].status === 'partially_refunded';
        },
        15_000,
        'the retried refund job to finish',
      );
      await drainJobs();
      expect(fake.refundCalls.length - callsBefore).to.equal(0);
      expect(stripeRefundsOf(f.session.payment_intent).map((r) => r.amount)).to.deep.equal([2500]);
      expect((await paymentsOf(f.appointmentId))[0]).to.include({ amountRefundedCents: 2500 });
      const refunds = await testContext().knex('refunds').where({ paymentId: f.payment.id });
      expect(refunds.map((r) => [r.status, r.amountCents, r.idempotencyKey])).to.deep.equal([
        ['succeeded', 2500, `refund:${f.payment.id}:2500`],
      ]);
    });

    it('makes one refund when two copies of the refund job run at once (same idempotency key)', async () => {
      const f = await paidFixture();
      const payload = { paymentId: f.payment.id, amountCents: 5000, reason: 'cancellation' };
      await Promise.all([refundPayment(payload), refundPayment(payload)]);
      await drainJobs();
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      expect(calls.filter((c) => c.created)).to.have.length(1);
      expect(new Set(calls.map((c) => c.idempotencyKey))).to.deep.equal(
        new Set([`refund:${f.payment.id}:5000`]),
      );
      expect(stripeRefundsOf(f.session.payment_intent)).to.have.length(1);
      expect(await testContext().knex('refunds').where({ paymentId: f.payment.id })).to.have.length(1);
      expect((await paymentsOf(f.appointmentId))[0]).to.include({
        status: 'refunded',
        amountRefundedCents: 5000,
      });
      await testContext().smtp.waitFor(f.patient.email, (m) => m.subject.startsWith('Refund issued'));
      expect(
        testContext()
          .smtp.to(f.patient.email)
          .filter((m) => m.subject.startsWith('Refund issued')),
      ).to.have.length(1);
    });

    it('trims the refund to what Stripe says is left after a Dashboard refund our rows have not seen', async () => {
      const f = await paidFixture();
      // Refunded in the Dashboard; the webhook has not arrived, so our row still says 5000 unrefunded.
      fake.dashboardRefund(f.session.payment_intent, 4000);
      await refundPayment({ paymentId: f.payment.id, amountCents: 5000, reason: 'cancellation' });
      const calls = fake.refundCalls.filter((c) => c.paymentIntent === f.session.payment_intent);
      expect(calls.map((c) => [c.amount, c.created])).to.deep.equal([[1000, true]]);
      expect((await paymentsOf(f.appointmentId))[0]).to.include({
        status: 'refunded',
        amountRefundedCents: 5000,
      });
    });
  });

  describe('reconciliation', () => {
    it('repairs a session whose webhook never came and records what it fixed', async () => {
      const f = await fixture();
      const s = await checkoutAndPay(f); // no webhook is delivered
      const last = await testContext().knex('paymentReconciliationRuns').max('id as id').first();
      await addJob(testContext().knex, 'reconcile_payments', {});
      const run = await waitUntil(
        async () =>
          testContext()
            .knex('paymentReconciliationRuns')
            .where('id', '>', last?.id ?? 0)
            .whereNotNull('finishedAt')
            .first(),
        15_000,
        'a reconciliation run',
      );
      expect(run.error).to.equal(null);
      expect(run.sessionsChecked).to.be.at.least(1);
      const fixed = run.fixed.find((x: { sessionId: string }) => x.sessionId === s.id);
      expect(fixed.changes).to.include('payment unpaid → paid').and.to.include('appointment confirmed');
      await drainJobs();
      expect(await appointment(f.appointmentId)).to.include({ status: 'confirmed', paymentStatus: 'paid' });
      await testContext().smtp.waitFor(f.patient.email, (m) => m.subject.startsWith('Payment received'));
      // The webhook arriving late afterwards changes nothing.
      const late = fake.event('checkout.session.completed', fake.mustSession(s.id));
      await deliverAndProcess(late);
      expect((await eventRow(late.id)).outcome).to.equal('no_change');
    });
  });

  describe('GET /appointments/:id/payment and GET /payments', () => {
    it('shows an appointment payment to its patient, its doctor, billing managers and admins; 404 to others; 403 to other roles', async () => {
      const f = await fixture();
      const s = await checkoutAndPay(f);
      await deliverAndProcess(fake.event('checkout.session.completed', s));
      const otherPatient = await createUser('patient');
      const otherDoctor = await createUser('doctor');
      const billing = await createUser('admin', { adminRoles: ['billing-manager'] });
      const admin = await createUser('admin');
      const superAdmin = await createUser('super-admin');
      const staff = await createUser('staff');
      const nurse = await createUser('nurse');
      const path = `/appointments/${f.appointmentId}/payment`;
      const expectations: [TestUser, number][] = [
        [f.patient, 200],
        [f.doctor, 200],
        [billing, 200],
        [admin, 200],
        [superAdmin, 200],
        [otherPatient, 404],
        [otherDoctor, 404],
        [staff, 403],
        [nurse, 403],
      ];
      for (const [user, status] of expectations) {
        const res = await api.as(user.token).get(path);
        expect(res.status, `${user.role} ${res.text}`).to.equal(status);
      }
      expect((await api.as(undefined).get(path)).status).to.equal(401);
      const body = (await api.as(f.patient.token).get(path)).body;
      expect(body).to.include({
        appointmentId: f.appointmentId,
        paymentStatus: 'paid',
        feeCents: 5000,
        amountPaidCents: 5000,
        amountRefundedCents: 0,
      });
      expect(body.payments).to.have.length(1);
      expect(body.payments[0]).to.include({
        status: 'paid',
        checkoutSessionId: s.id,
        amountCents: 5000,
        currency: 'usd',
      });
    });

    it('restricts checkout to the patient of the appointment and staff/admins (404 / 403 / 401)', async () => {
      const f = await fixture();
      const staff = await createUser('staff');
      const admin = await createUser('admin', { adminRoles: ['appointment-manager'] });
      expect((await checkout((await createUser('patient')).token, f.appointmentId)).status).to.equal(404);
      expect((await checkout(f.doctor.token, f.appointmentId)).status).to.equal(403);
      expect((await checkout((await createUser('nurse')).token, f.appointmentId)).status).to.equal(403);
      expect((await api.as(undefined).post(`/appointments/${f.appointmentId}/checkout`)).status).to.equal(
        401,
      );
      const byStaff = await checkout(staff.token, f.appointmentId);
      expect(byStaff.status).to.equal(200);
      const byAdmin = await checkout(admin.token, f.appointmentId);
      expect(byAdmin.body.sessionId).to.equal(byStaff.body.sessionId);
      expect((await checkout(staff.token, '00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    });

    it('lists payments for admins and billing managers with filters and a cursor; 403 for other roles', async () => {
      const f = await fixture();
      const first = await checkout(f.patient.token, f.appointmentId);
      fake.expire(first.body.sessionId);
      await deliverAndProcess(fake.event('checkout.session.expired', fake.mustSession(first.body.sessionId)));
      const second = await checkout(f.patient.token, f.appointmentId);
      const s = fake.pay(second.body.sessionId);
      await deliverAndProcess(fake.event('checkout.session.completed', s));

      const billing = await createUser('admin', { adminRoles: ['billing-manager'] });
      const page1 = await api.as(billing.token).get(`/payments?appointmentId=${f.appointmentId}&limit=1`);
      expect(page1.status, page1.text).to.equal(200);
      expect(page1.body.items).to.have.length(1);
      expect(page1.body.items[0].checkoutSessionId).to.equal(second.body.sessionId);
      const page2 = await api
        .as(billing.token)
        .get(`/payments?appointmentId=${f.appointmentId}&limit=1&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((p: { checkoutSessionId: string }) => p.checkoutSessionId)).to.deep.equal([
        first.body.sessionId,
      ]);
      expect(page2.body.nextCursor).to.equal(null);

      const paid = await api.as(billing.token).get(`/payments?appointmentId=${f.appointmentId}&status=paid`);
      expect(paid.body.items.map((p: { status: string }) => p.status)).to.deep.equal(['paid']);
      const future = new Date(Date.now() + HOUR).toISOString();
      const none = await api
        .as(billing.token)
        .get(`/payments?appointmentId=${f.appointmentId}&from=${encodeURIComponent(future)}`);
      expect(none.body.items).to.deep.equal([]);

      expect((await api.as((await createUser('super-admin')).token).get('/payments')).status).to.equal(200);
      for (const role of ['patient', 'doctor', 'staff', 'nurse'] as const) {
        expect((await api.as((await createUser(role)).token).get('/payments')).status, role).to.equal(403);
      }
    });

    it('answers bad input with a 4xx envelope, never 5xx', async () => {
      const admin = await createUser('admin');
      const patient = await createUser('patient');
      const cases = [
        await checkout(patient.token, 'not-a-uuid'),
        await api
          .as(patient.token)
          .post(`/appointments/${'0'.repeat(8)}-0000-4000-8000-000000000000/checkout`, { extra: true }),
        await api.as(admin.token).get('/appointments/nope/payment'),
        await api.as(admin.token).get('/payments?status=bogus'),
        await api.as(admin.token).get('/payments?limit=1000'),
        await api.as(admin.token).get('/payments?cursor=garbage'),
        await api.as(admin.token).get('/payments?from=yesterday'),
        await api.as(admin.token).get('/payments?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z'),
        await api.as(admin.token).get('/payments?unknown=1'),
      ];
      for (const res of cases) {
        expect(res.status, res.text).to.be.within(400, 499);
        expect(errorOf(res).code).to.be.a('string');
      }
    });
  });
});
