import { expect } from 'chai';
import { buildAccessWorld, runMatrixCase, statuses, type AccessWorld } from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';

const ROUTES = ['patient-summary', 'revenue-summary', 'appointment-summary'] as const;
const range = 'from=2026-09-01&to=2026-09-30&interval=week';

describe('analytics routes', function () {
  this.timeout(60_000);
  let w: AccessWorld;
  let admin: TestUser;
  let doctor: TestUser;

  before(async () => {
    w = await buildAccessWorld();
    admin = w.users.admin;
    doctor = await createUser('doctor');
    const patient = await createUser('patient');
    for (const [day, status] of [
      ['2026-09-02T09:00:00Z', 'completed'],
      ['2026-09-09T09:00:00Z', 'cancelled'],
      ['2026-09-16T09:00:00Z', 'no-show'],
    ]) {
      const s = new Date(day);
      await testContext()
        .knex('appointments')
        .insert({
          doctorId: doctor.id,
          patientId: patient.patientId,
          startsAt: s,
          endsAt: new Date(s.getTime() + 1_800_000),
          status,
        });
    }
  });

  for (const name of ROUTES) {
    it(`GET /analytics/${name}: admins all, a doctor only their own (200 / 403)`, async () => {
      const problems = await runMatrixCase(w, {
        route: `GET /analytics/${name}`,
        expect: statuses(403, {
          admin: 200,
          superAdmin: 200,
          mappedDoctor: 200,
          unmappedDoctor: 200,
          apptDoctor: 200,
        }),
        call: (t) => api.as(t).get(`/analytics/${name}?${range}`),
      });
      expect(problems).to.deep.equal([]);
      const other = await api
        .as(w.users.mappedDoctor.token)
        .get(`/analytics/${name}?${range}&doctorId=${doctor.id}`);
      expect([other.status, errorOf(other).code]).to.deep.equal([403, 'forbidden']);
      const own = await api.as(doctor.token).get(`/analytics/${name}?${range}&doctorId=${doctor.id}`);
      expect(own.status).to.equal(200);
      expect(own.body).to.include({ doctorId: doctor.id, interval: 'week', timeZone: 'UTC' });
    });
  }

  it('answers the SPEC shape with weekly buckets, and the same figures as CSV (Accept: text/csv)', async () => {
    const json = await api
      .as(admin.token)
      .get(`/analytics/appointment-summary?${range}&doctorId=${doctor.id}`);
    expect(json.status).to.equal(200);
    expect(json.body.series.map((s: { period: string }) => s.period)).to.deep.equal([
      '2026-08-31',
      '2026-09-07',
      '2026-09-14',
      '2026-09-21',
      '2026-09-28',
    ]);
    expect(json.body.totals).to.include({
      booked: 3,
      completed: 1,
      cancelled: 1,
      noShow: 1,
      cancellationRate: 0.3333,
      noShowRate: 0.5,
    });
    const csv = await request('GET', `/analytics/appointment-summary?${range}&doctorId=${doctor.id}`, {
      token: admin.token,
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(lines[0]).to.deep.equal([
      'scope',
      'period',
      'doctorId',
      'name',
      'booked',
      'completed',
      'cancelled',
      'noShow',
      'cancellationRate',
      'noShowRate',
      'utilisation',
    ]);
    const periods = lines.filter((l) => l[0] === 'period');
    expect(periods.map((l) => [l[1], Number(l[4]), Number(l[5]), Number(l[6]), Number(l[7])])).to.deep.equal(
      json.body.series.map((s: Record<string, number>) => [
        s.period,
        s.booked,
        s.completed,
        s.cancelled,
        s.noShow,
      ]),
    );
    const total = lines.find((l) => l[0] === 'total')!;
    expect(total.slice(4).map(Number)).to.deep.equal([3, 1, 1, 1, 0.3333, 0.5, json.body.totals.utilisation]);
    for (const name of ['patient-summary', 'revenue-summary']) {
      const r = await request('GET', `/analytics/${name}?${range}`, {
        token: admin.token,
        headers: { accept: 'text/csv' },
      });
      expect(r.status).to.equal(200);
      expect(r.text.split('\r\n')[0]).to.match(/^scope,/);
    }
  });

  it('answers 400 for bad ranges: missing, malformed, reversed, too many buckets, unknown interval', async () => {
    for (const q of [
      'to=2026-09-30',
      'from=2026-09-01',
      'from=yesterday&to=2026-09-30',
      'from=2026-02-30&to=2026-03-01',
      'from=2026-09-30&to=2026-09-01',
      'from=2026-09-01T10:00:00Z&to=2026-09-01T10:00:00Z',
      'from=2020-01-01&to=2026-12-31&interval=day',
      'from=2026-09-01&to=2026-09-30&interval=year',
      'from=2026-09-01&to=2026-09-30&doctorId=nope',
      'from=2026-09-01&to=2026-09-30&extra=1',
    ]) {
      const res = await api.as(admin.token).get(`/analytics/revenue-summary?${q}`);
      expect(res.status, q).to.equal(400);
      expect(errorOf(res).code, q).to.equal('validation_failed');
    }
  });
});
