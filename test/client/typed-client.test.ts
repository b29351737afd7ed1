/**
 * A client written against the generated types of `/openapi.json` (`npm run client` →
 * client/schema.d.ts, openapi-typescript) drives a booking through `openapi-fetch`: a field renamed
 * or a status removed from the contract breaks this file's compilation (`npm run typecheck`
 * regenerates the types first), not only a test run.
 */
import { expect } from 'chai';
import createClient from 'openapi-fetch';
import type { paths } from '../../client/schema.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

describe('typed client (openapi-typescript + openapi-fetch)', () => {
  it('books, reads back and cancels an appointment with types generated from the contract', async () => {
    const doctor = await createUser('doctor');
    const patient = await createUser('patient');
    const client = createClient<paths>({ baseUrl: testContext().baseUrl });
    const as = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

    const availability = await client.PUT('/api/v1/doctors/{id}/availability', {
      ...as(doctor.token),
      params: { path: { id: doctor.id } },
      body: { timeZone: 'UTC', slotMinutes: 30, weekly: ALL_DAY },
    });
    expect(availability.response.status).to.equal(200);
    expect(availability.data?.slotMinutes).to.equal(30);

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const slots = await client.GET('/api/v1/doctors/{id}/slots', {
      ...as(patient.token),
      params: { path: { id: doctor.id }, query: { from: tomorrow, to: tomorrow } },
    });
    expect(slots.response.status).to.equal(200);
    // A plain date is that whole day in the doctor's zone: 48 half-hour slots in UTC.
    expect(slots.data?.items).to.have.length(48);
    const startsAt = slots.data!.items[0]!.startsAt;

    const booked = await client.POST('/api/v1/appointments', {
      ...as(patient.token),
      body: { doctorId: doctor.id, startsAt, reason: 'Typed client check' },
    });
    expect(booked.response.status).to.equal(201);
    const appointment = booked.data!;
    expect(appointment.status).to.equal('pending');
    expect(appointment.startsAt).to.equal(new Date(startsAt).toISOString());

    const again = await client.POST('/api/v1/appointments', {
      ...as(patient.token),
      body: { doctorId: doctor.id, startsAt },
    });
    expect(again.response.status).to.equal(409);
    expect(again.error?.error.code).to.equal('slot_taken');

    const read = await client.GET('/api/v1/appointments/{id}', {
      ...as(patient.token),
      params: { path: { id: appointment.id } },
    });
    expect(read.data?.id).to.equal(appointment.id);

    const cancelled = await client.POST('/api/v1/appointments/{id}/cancel', {
      ...as(patient.token),
      params: { path: { id: appointment.id } },
      body: { reason: 'Plans changed' },
    });
    expect(cancelled.response.status).to.equal(200);
    expect(cancelled.data?.status).to.equal('cancelled');
  });
});
