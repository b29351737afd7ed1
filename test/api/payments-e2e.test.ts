import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { deliverWebhook, useFakeStripe } from '../helpers/fake-stripe.js';
import { createUser } from '../helpers/factories.js';
import { api } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const DAY = 86_400_000;

describe('A paid booking, end to end through the fake Stripe', function () {
  this.timeout(30_000);
  const fake = useFakeStripe();

  it('books → checkout → webhook → confirmed with reminders → cancel ≥ 24 h before → full refund', async () => {
    const doctor = await createUser('doctor', {
      name: 'Lisa Cuddy',
      doctor: { feeCents: 12000, currency: 'usd' },
    });
    const patient = await createUser('patient');
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
    const avail = await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, {
      timeZone: 'UTC',
      slotMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 0,
      weekly,
      overrides: [],
    });
    expect(avail.status, avail.text).to.equal(200);
    const from = new Date(Date.now() + 3 * DAY).toISOString();
    const to = new Date(Date.now() + 4 * DAY).toISOString();
    const slots = await api
      .as(patient.token)
      .get(`/doctors/${doctor.id}/slots?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(slots.status, slots.text).to.equal(200);
    const slot = (Array.isArray(slots.body) ? slots.body : slots.body.items)[0];

    const booked = await api
      .as(patient.token)
      .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
    expect(booked.status, booked.text).to.equal(201);
    expect(booked.body).to.include({ status: 'pending', paymentStatus: 'unpaid', feeCents: 12000 });
    const id = booked.body.id as string;

    const approve = await api.as((await createUser('admin')).token).post(`/appointments/${id}/approve`, {});
    expect(approve.status).to.equal(409); // unpaid fee: only the payment confirms it

    const co = await api.as(patient.token).post(`/appointments/${id}/checkout`);
    expect(co.status, co.text).to.equal(200);
    const session = fake.pay(co.body.sessionId);
    const event = fake.event('checkout.session.completed', session);
    expect((await deliverWebhook(event)).status).to.equal(200);
    await waitUntil(
      async () => (await api.as(patient.token).get(`/appointments/${id}`)).body.status === 'confirmed',
      15_000,
      'confirmed',
    );
    await drainJobs();

    const appt = (await api.as(patient.token).get(`/appointments/${id}`)).body;
    expect(appt).to.include({ status: 'confirmed', paymentStatus: 'paid' });
    expect(await jobsFor(`send_appointment_reminder:${id}:`)).to.have.length.greaterThan(0);
    await testContext().smtp.waitFor(patient.email, (m) => m.subject === 'Payment received: $120.00');

    const cancel = await api
      .as(patient.token)
      .post(`/appointments/${id}/cancel`, { reason: 'feeling better' });
    expect(cancel.status, cancel.text).to.equal(200);
    await waitUntil(
      async () =>
        (await api.as(patient.token).get(`/appointments/${id}/payment`)).body.paymentStatus === 'refunded',
      15_000,
      'refunded',
    );
    await drainJobs();

    const payment = (await api.as(patient.token).get(`/appointments/${id}/payment`)).body;
    expect(payment).to.include({
      paymentStatus: 'refunded',
      amountPaidCents: 12000,
      amountRefundedCents: 12000,
    });
    expect(
      payment.refunds.map((r: { status: string; amountCents: number; reason: string }) => [
        r.status,
        r.amountCents,
        r.reason,
      ]),
    ).to.deep.equal([['succeeded', 12000, 'cancellation']]);
    const calls = fake.refundCalls.filter((c) => c.paymentIntent === session.payment_intent);
    expect(calls.map((c) => c.idempotencyKey)).to.deep.equal([`refund:${payment.payments[0].id}:12000`]);
    expect(await jobsFor(`send_appointment_reminder:${id}:`)).to.have.length(0);
    await testContext().smtp.waitFor(patient.email, (m) => m.subject === 'Refund issued: $120.00');
  });
});
