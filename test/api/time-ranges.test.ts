import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { api } from '../helpers/http.js';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const DAY_MS = 86_400_000;

describe('time ranges: plain dates mean whole days', () => {
  it('filters lists by a plain date as that whole day in the clinic zone (200), and refuses year 9999 (400)', async () => {
    expect(testContext().config.clinicTimeZone).to.equal('UTC');
    const doctor = await createUser('doctor');
    const patient = await createUser('patient');
    await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, {
      timeZone: 'UTC',
      slotMinutes: 30,
      weekly: ALL_DAY,
    });
    const day = new Date(Date.now() + 2 * DAY_MS).toISOString().slice(0, 10);
    const booked = await api
      .as(patient.token)
      .post('/appointments', { doctorId: doctor.id, startsAt: `${day}T23:30:00Z` });
    expect(booked.status).to.equal(201);

    const that = await api.as(patient.token).get(`/appointments?from=${day}&to=${day}`);
    expect(that.status).to.equal(200);
    expect(that.body.items.map((a: { id: string }) => a.id)).to.include(booked.body.id);

    const next = new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10);
    const other = await api.as(patient.token).get(`/appointments?from=${next}&to=${next}`);
    expect(other.body.items.map((a: { id: string }) => a.id)).not.to.include(booked.body.id);

    const far = await api.as(patient.token).get('/appointments?from=9999-12-31');
    expect(far.status).to.equal(400);
    expect(far.body.error.details[0].message).to.match(/years 1900–2100/);
  });
});
