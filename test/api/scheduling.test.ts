import { expect } from 'chai';
import sinon from 'sinon';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

describe('Scheduling: availability and slots', () => {
  let doctor: TestUser;
  let otherDoctor: TestUser;
  let patient: TestUser;
  let nurse: TestUser;
  let staff: TestUser;
  let admin: TestUser;

  before(async () => {
    [doctor, otherDoctor, patient, nurse, staff, admin] = await Promise.all([
      createUser('doctor'),
      createUser('doctor'),
      createUser('patient'),
      createUser('nurse'),
      createUser('staff'),
      createUser('admin'),
    ]);
  });

  describe('GET/PUT /doctors/:id/availability', () => {
    it('answers the empty default before any hours are set (200)', async () => {
      const fresh = await createUser('doctor', { timeZone: 'Asia/Tokyo' });
      const res = await api.as(patient.token).get(`/doctors/${fresh.id}/availability`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        timeZone: 'Asia/Tokyo',
        slotMinutes: 30,
        bufferMinutes: 0,
        minNoticeMinutes: 0,
        horizonDays: 90,
        weekly: [],
        overrides: [],
      });
    });

    it('lets a doctor replace their own availability and reads it back (200), with defaults filled in', async () => {
      const body = {
        timeZone: 'Europe/Berlin',
        slotMinutes: 20,
        weekly: [
          { weekday: 1, start: '09:00', end: '12:00' },
          { weekday: 1, start: '14:00', end: '17:00' },
        ],
        overrides: [
          { date: '2026-12-24', closed: true },
          { date: '2026-12-27', ranges: [{ start: '10:00', end: '12:00' }] },
        ],
      };
      const put = await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, body);
      expect(put.status).to.equal(200);
      expect(put.body).to.deep.include({
        timeZone: 'Europe/Berlin',
        slotMinutes: 20,
        bufferMinutes: 0,
        minNoticeMinutes: 0,
        horizonDays: 90,
      });
      const get = await api.as(nurse.token).get(`/doctors/${doctor.id}/availability`);
      expect(get.status).to.equal(200);
      expect(get.body.weekly).to.deep.equal(body.weekly);
      expect(get.body.overrides).to.deep.equal(body.overrides);
    });

    it('lets an admin set any doctor’s availability (200) but not another doctor (403) or patients, nurses, staff (403)', async () => {
      const body = { timeZone: 'UTC', slotMinutes: 30, weekly: ALL_DAY };
      expect(
        (await api.as(admin.token).put(`/doctors/${otherDoctor.id}/availability`, body)).status,
      ).to.equal(200);
      for (const u of [doctor, patient, nurse, staff]) {
        const res = await api.as(u.token).put(`/doctors/${otherDoctor.id}/availability`, body);
        expect(res.status, u.role).to.equal(403);
        expect(errorOf(res).code).to.equal('forbidden');
      }
      expect((await api.as().get(`/doctors/${otherDoctor.id}/availability`)).status).to.equal(401);
    });

    it('answers 404 for an unknown doctor or a user who is not a doctor', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', patient.id]) {
        const res = await api
          .as(admin.token)
          .put(`/doctors/${id}/availability`, { timeZone: 'UTC', slotMinutes: 30, weekly: [] });
        expect(res.status).to.equal(404);
        expect((await api.as(patient.token).get(`/doctors/${id}/availability`)).status).to.equal(404);
      }
    });

    it('refuses unknown time zones, overlapping ranges and malformed bodies with 400 and JSON pointers', async () => {
      const put = (body: unknown) => api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, body);
      const zone = await put({ timeZone: 'Mars/Olympus', slotMinutes: 30, weekly: [] });
      expect(zone.status).to.equal(400);
      expect(errorOf(zone).details!.map((d) => d.path)).to.include('/timeZone');

      const overlap = await put({
        timeZone: 'UTC',
        slotMinutes: 30,
        weekly: [
          { weekday: 2, start: '09:00', end: '12:00' },
          { weekday: 2, start: '11:00', end: '13:00' },
        ],
      });
      expect(overlap.status).to.equal(400);
      expect(errorOf(overlap).details).to.deep.include({ path: '/weekly/1', message: 'overlaps /weekly/0' });

      const bad = [
        { timeZone: 'UTC', slotMinutes: 3, weekly: [] },
        { timeZone: 'UTC', slotMinutes: 30, weekly: [{ weekday: 8, start: '09:00', end: '10:00' }] },
        { timeZone: 'UTC', slotMinutes: 30, weekly: [{ weekday: 1, start: '25:00', end: '26:00' }] },
        { timeZone: 'UTC', slotMinutes: 30, weekly: [{ weekday: 1, start: '10:00', end: '09:00' }] },
        { timeZone: 'UTC', slotMinutes: 30, weekly: [], overrides: [{ date: '2026-02-30', closed: true }] },
        {
          timeZone: 'UTC',
          slotMinutes: 30,
          weekly: [],
          overrides: [{ date: '2026-12-01', closed: true, ranges: [{ start: '09:00', end: '10:00' }] }],
        },
        { timeZone: 'UTC', slotMinutes: 30, weekly: [], role: 'admin' },
        { slotMinutes: 30, weekly: [] },
        'not an object',
      ];
      for (const body of bad) {
        const res = await put(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(errorOf(res).code).to.equal('validation_failed');
      }
      const badId = await api.as(admin.token).get('/doctors/not-a-uuid/availability');
      expect(badId.status).to.equal(400);
    });
  });

  describe('GET /doctors/:id/slots', () => {
    let slotDoctor: TestUser;
    before(async () => {
      slotDoctor = await createUser('doctor');
      const res = await api.as(slotDoctor.token).put(`/doctors/${slotDoctor.id}/availability`, {
        timeZone: 'UTC',
        slotMinutes: 30,
        bufferMinutes: 10,
        minNoticeMinutes: 120,
        weekly: ALL_DAY,
      });
      expect(res.status).to.equal(200);
    });

    it('lists free slots on the slot + buffer grid, after the minimum notice, for every signed-in role (200)', async () => {
      const from = new Date(Date.now() + 24 * 3600_000);
      from.setUTCHours(0, 0, 0, 0);
      const to = new Date(from.getTime() + 24 * 3600_000);
      for (const u of [patient, doctor, nurse, staff, admin]) {
        const res = await api
          .as(u.token)
          .get(`/doctors/${slotDoctor.id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`);
        expect(res.status, u.role).to.equal(200);
        expect(res.body.timeZone).to.equal('UTC');
        expect(res.body.nextCursor).to.equal(null);
        // 24 h / 40 min = 36 starts, each 30 min long.
        expect(res.body.items).to.have.length(36);
        expect(res.body.items[0]).to.deep.equal({
          startsAt: from.toISOString(),
          endsAt: new Date(from.getTime() + 30 * 60_000).toISOString(),
        });
        expect(res.body.items[1].startsAt).to.equal(new Date(from.getTime() + 40 * 60_000).toISOString());
      }
      const soon = await api.as(patient.token).get(`/doctors/${slotDoctor.id}/slots`);
      expect(soon.status).to.equal(200);
      const earliest = new Date(soon.body.items[0].startsAt).getTime();
      expect(earliest).to.be.at.least(Date.now() + 119 * 60_000);
    });

    it('leaves out booked slots together with their buffers', async () => {
      const from = new Date(Date.now() + 3 * 24 * 3600_000);
      from.setUTCHours(0, 0, 0, 0);
      const to = new Date(from.getTime() + 3 * 3600_000);
      const url = `/doctors/${slotDoctor.id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`;
      const before = await api.as(patient.token).get(url);
      const target = before.body.items[1];
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: slotDoctor.id, startsAt: target.startsAt });
      expect(booked.status).to.equal(201);
      const after = await api.as(patient.token).get(url);
      expect(after.body.items.map((s: { startsAt: string }) => s.startsAt)).to.deep.equal(
        before.body.items
          .filter((s: { startsAt: string }) => s.startsAt !== target.startsAt)
          .map((s: { startsAt: string }) => s.startsAt),
      );
    });

    it('refuses a reversed or wider-than-31-days window and bad dates with 400', async () => {
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      for (const q of [
        `from=${iso(now + 86400_000)}&to=${iso(now)}`,
        `from=${iso(now)}&to=${iso(now + 32 * 86400_000)}`,
        'from=yesterday',
        'to=2026-13-01T00:00:00Z',
        'foo=bar',
      ]) {
        const res = await api.as(patient.token).get(`/doctors/${slotDoctor.id}/slots?${q}`);
        expect(res.status, q).to.equal(400);
        expect(errorOf(res).code).to.equal('validation_failed');
      }
      // RFC 3339 allows a leap second that a JavaScript date cannot hold: the format refuses it, and says what it takes.
      const leap = await api
        .as(patient.token)
        .get(`/doctors/${slotDoctor.id}/slots?from=2026-12-31T23:59:60Z`);
      expect(leap.status).to.equal(400);
      expect(errorOf(leap).details).to.deep.equal([
        {
          path: '/query/from',
          message:
            'must be a date-time like 2026-12-01T09:00:00+01:00, or a date like 2026-12-01 (years 1900–2100)',
        },
      ]);
    });

    it('answers 404 for an unknown or inactive doctor and 401 without a token', async () => {
      const pending = await createUser('doctor', { status: 'pending' });
      expect((await api.as(patient.token).get(`/doctors/${pending.id}/slots`)).status).to.equal(404);
      expect(
        (await api.as(patient.token).get('/doctors/00000000-0000-4000-8000-000000000000/slots')).status,
      ).to.equal(404);
      expect((await api.as().get(`/doctors/${slotDoctor.id}/slots`)).status).to.equal(401);
    });

    describe('across the late-October DST change', () => {
      let clock: sinon.SinonFakeTimers | undefined;
      afterEach(() => clock?.restore());

      it('offers 09:00 Berlin time on both sides of the change (07:00Z before, 08:00Z after), and books it (201)', async () => {
        clock = sinon.useFakeTimers({
          now: new Date('2026-10-20T06:00:00Z'),
          toFake: ['Date'],
          shouldAdvanceTime: true,
        });
        const berlin = await createUser('doctor');
        const put = await api.as(berlin.token).put(`/doctors/${berlin.id}/availability`, {
          timeZone: 'Europe/Berlin',
          slotMinutes: 60,
          weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
        });
        expect(put.status).to.equal(200);
        // Sunday 25 October 2026, 03:00 CEST → 02:00 CET.
        const res = await api
          .as(patient.token)
          .get(`/doctors/${berlin.id}/slots?from=2026-10-24T00:00:00Z&to=2026-10-27T00:00:00Z`);
        expect(res.status).to.equal(200);
        const starts: string[] = res.body.items.map((s: { startsAt: string }) => s.startsAt);
        expect(starts).to.have.length(24);
        expect(starts[0]).to.equal('2026-10-24T07:00:00.000Z');
        expect(starts[7]).to.equal('2026-10-24T14:00:00.000Z');
        expect(starts[8]).to.equal('2026-10-25T08:00:00.000Z');
        expect(starts[16]).to.equal('2026-10-26T08:00:00.000Z');
        expect(starts[23]).to.equal('2026-10-26T15:00:00.000Z');

        const before = await api
          .as(patient.token)
          .post('/appointments', { doctorId: berlin.id, startsAt: '2026-10-24T07:00:00Z' });
        const after = await api
          .as(patient.token)
          .post('/appointments', { doctorId: berlin.id, startsAt: '2026-10-26T08:00:00Z' });
        expect([before.status, after.status]).to.deep.equal([201, 201]);
        expect(after.body.endsAt).to.equal('2026-10-26T09:00:00.000Z');
        const offGrid = await api
          .as(patient.token)
          .post('/appointments', { doctorId: berlin.id, startsAt: '2026-10-26T07:00:00Z' });
        expect(offGrid.status).to.equal(400);
        expect(errorOf(offGrid).code).to.equal('not_a_slot');
      });
    });
  });
});
