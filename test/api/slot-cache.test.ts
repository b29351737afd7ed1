import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { doctorScheduleCache } from '../../domain/scheduling/doctor-cache.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api } from '../helpers/http.js';
import { withSecondWeb } from '../helpers/second-web.js';
import { waitUntil } from '../helpers/wait.js';

const DAY_MS = 86_400_000;
const hours = (start: string, end: string) =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));

describe('slot listings served from the doctor schedule cache', () => {
  const specialization = `cache-${randomUUID().slice(0, 8)}`;
  let doctor: TestUser;
  let patient: TestUser;
  /** 00:00Z five days ahead. */
  let day: number;
  /** One whole UTC day, `offset` days after `day`. */
  const window = (offset = 0) =>
    `from=${new Date(day + offset * DAY_MS).toISOString()}&to=${new Date(day + (offset + 1) * DAY_MS).toISOString()}`;
  const firstStarts = (items: { startsAt: string }[]) => items.map((s) => s.startsAt.slice(11, 16));
  const setHours = async (start: string, end: string) => {
    const res = await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, {
      timeZone: 'UTC',
      slotMinutes: 60,
      weekly: hours(start, end),
    });
    expect(res.status).to.equal(200);
  };

  before(async () => {
    doctor = await createUser('doctor', { doctor: { specialization } });
    patient = await createUser('patient');
    day = Math.floor(Date.now() / DAY_MS) * DAY_MS + 5 * DAY_MS;
    await doctorScheduleCache().ready();
  });

  it('shows an availability edit in the very next listing of the same process (200)', async () => {
    await setHours('09:00', '11:00');
    const list = () => api.as(patient.token).get(`/doctors/${doctor.id}/slots?${window()}`);
    const search = () => api.as(patient.token).get(`/slots?specialization=${specialization}&${window()}`);
    expect(firstStarts((await list()).body.items)).to.deep.equal(['09:00', '10:00']);
    expect(firstStarts((await search()).body.items)).to.deep.equal(['09:00', '10:00']);
    // Both listings now come from memory.
    expect(doctorScheduleCache().doctor(doctor.id)?.plan.availability.weekly).to.deep.equal(
      hours('09:00', '11:00'),
    );
    expect(doctorScheduleCache().directory(`=${specialization}`)).to.have.length(1);

    await setHours('14:00', '16:00');
    expect(firstStarts((await list()).body.items)).to.deep.equal(['14:00', '15:00']);
    expect(firstStarts((await search()).body.items)).to.deep.equal(['14:00', '15:00']);
  });

  it('still reads the appointments on every listing: a booking removes its slot at once (201, 200)', async () => {
    await setHours('09:00', '11:00');
    const list = () => api.as(patient.token).get(`/doctors/${doctor.id}/slots?${window(1)}`);
    expect(firstStarts((await list()).body.items)).to.deep.equal(['09:00', '10:00']);
    const booked = await api.as(patient.token).post('/appointments', {
      doctorId: doctor.id,
      startsAt: new Date(day + DAY_MS + 9 * 3_600_000).toISOString(),
    });
    expect(booked.status).to.equal(201);
    expect(firstStarts((await list()).body.items)).to.deep.equal(['10:00']);
  });

  it('stops offering a doctor at once when they are suspended (200, then 404 and an empty search)', async () => {
    const other = await createUser('doctor', { doctor: { specialization } });
    const res = await api.as(other.token).put(`/doctors/${other.id}/availability`, {
      timeZone: 'UTC',
      slotMinutes: 60,
      weekly: hours('09:00', '10:00'),
    });
    expect(res.status).to.equal(200);
    const list = () => api.as(patient.token).get(`/doctors/${other.id}/slots?${window()}`);
    expect((await list()).status).to.equal(200);
    const admin = await createUser('admin');
    const suspended = await api.as(admin.token).patch(`/users/${other.id}/status`, { status: 'suspended' });
    expect(suspended.status).to.equal(200);
    expect((await list()).status).to.equal(404);
    const search = await api
      .as(patient.token)
      .get(`/slots?specialization=${specialization}&${window()}&limit=100`);
    expect(search.body.items.map((s: { doctorId: string }) => s.doctorId)).to.not.include(other.id);
  });

  it('shows an edit made through one web process in another process’s next listings within 1 s', async function () {
    this.timeout(60_000);
    await setHours('09:00', '11:00');
    await withSecondWeb(async (url) => {
      const remote = async () => {
        const res = await fetch(`${url}/api/v1/doctors/${doctor.id}/slots?${window()}`, {
          headers: { authorization: `Bearer ${patient.token}` },
        });
        expect(res.status).to.equal(200);
        return firstStarts(((await res.json()) as { items: { startsAt: string }[] }).items);
      };
      // The second process reads the doctor once, then serves the schedule from memory.
      expect(await remote()).to.deep.equal(['09:00', '10:00']);
      expect(await remote()).to.deep.equal(['09:00', '10:00']);
      await setHours('14:00', '16:00');
      const t0 = performance.now();
      await waitUntil(
        async () => (await remote()).join() === '14:00,15:00',
        1000,
        'the second process to list the new hours',
      );
      expect(performance.now() - t0).to.be.below(1000);
    });
  });
});
