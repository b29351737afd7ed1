import { expect } from 'chai';
import { NOTIFY_CHANNELS } from '../../db/listener.js';
import { DEFAULT_AVAILABILITY } from '../../domain/scheduling/availability.js';
import { type CachedDoctor, DoctorScheduleCache } from '../../domain/scheduling/doctor-cache.js';
import { prepareSlotPlan } from '../../domain/scheduling/slots.js';
import { PgListener } from '../../lib/pg-listener.js';
import { services } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api } from '../helpers/http.js';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '12:00' }));

/** Resolves with the time (ms) until `cache` drops `doctorId`. */
function invalidated(cache: DoctorScheduleCache, doctorId: string, limitMs = 5_000): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no invalidation of ${doctorId}`)), limitMs);
    const off = cache.onInvalidate((id) => {
      if (id !== doctorId && id !== null) return;
      clearTimeout(timer);
      off();
      resolve(performance.now() - t0);
    });
  });
}

const entry = (d: TestUser): CachedDoctor => ({
  id: d.id,
  timeZone: 'UTC',
  plan: prepareSlotPlan(DEFAULT_AVAILABILITY('UTC')),
});

describe('doctor schedule cache', () => {
  let listeners: PgListener[];
  let a: DoctorScheduleCache;
  let b: DoctorScheduleCache;
  let admin: TestUser;

  before(async () => {
    // Two caches on their own LISTEN connections behave as two web processes would.
    listeners = [0, 1].map(
      () =>
        new PgListener({
          connectionString: testContext().databaseUrl,
          channels: [NOTIFY_CHANNELS.doctorSchedules],
          logger: services().logger,
        }),
    );
    [a, b] = listeners.map((listener) => new DoctorScheduleCache({ listener }));
    await Promise.all([a!.ready(), b!.ready()]);
    admin = await createUser('admin');
  });
  after(async () => {
    a.close();
    b.close();
    await Promise.all(listeners.map((l) => l.close()));
  });

  /** A bookable doctor with hours, held by both caches (and a list of doctors held by both). */
  async function cachedDoctor(): Promise<TestUser> {
    const d = await createUser('doctor', { doctor: { specialization: 'cache-test' } });
    const put = await api
      .as(d.token)
      .put(`/doctors/${d.id}/availability`, { timeZone: 'UTC', slotMinutes: 30, weekly: EVERY_DAY });
    expect(put.status).to.equal(200);
    // The PUT's own notification must not land after the entries are stored.
    await new Promise((r) => setTimeout(r, 100));
    for (const cache of [a, b]) {
      cache.storeDoctor(entry(d), cache.epoch);
      cache.storeDirectory('=cache-test', [entry(d)], cache.epoch);
      expect(cache.doctor(d.id)).to.not.equal(undefined);
      expect(cache.directory('=cache-test')).to.have.length(1);
    }
    return d;
  }

  for (const [what, change] of [
    [
      'an availability edit (PUT, 200)',
      (d: TestUser) =>
        api
          .as(d.token)
          .put(`/doctors/${d.id}/availability`, { timeZone: 'UTC', slotMinutes: 20, weekly: [] }),
    ],
    [
      'a zone change on the profile (PATCH, 200)',
      (d: TestUser) => api.as(d.token).patch(`/doctors/${d.id}`, { timeZone: 'Asia/Tokyo' }),
    ],
    [
      'a specialization change (PATCH, 200)',
      (d: TestUser) => api.as(admin.token).patch(`/doctors/${d.id}`, { specialization: 'other' }),
    ],
    [
      'a suspension (200)',
      (d: TestUser) => api.as(admin.token).patch(`/users/${d.id}/status`, { status: 'suspended' }),
    ],
  ] as const) {
    it(`drops the doctor and the lists on every listener within 1 s of ${what}`, async () => {
      const d = await cachedDoctor();
      const waits = [invalidated(a, d.id), invalidated(b, d.id)];
      const res = await change(d);
      expect(res.status).to.equal(200);
      for (const ms of await Promise.all(waits)) expect(ms).to.be.below(1000);
      for (const cache of [a, b]) {
        expect(cache.doctor(d.id)).to.equal(undefined);
        expect(cache.directory('=cache-test')).to.equal(undefined);
      }
    });
  }

  it('hears changes made outside the API too (a row deleted in SQL)', async () => {
    const d = await cachedDoctor();
    const waits = [invalidated(a, d.id), invalidated(b, d.id)];
    await testContext().knex('doctorAvailability').where({ doctorId: d.id }).delete();
    for (const ms of await Promise.all(waits)) expect(ms).to.be.below(1000);
    expect(a.doctor(d.id)).to.equal(undefined);
  });

  it('is not disturbed by profile changes that do not affect slots (bio, rating)', async () => {
    const d = await cachedDoctor();
    const seen: (string | null)[] = [];
    // Other tests' doctors may change meanwhile (jobs): only this doctor's messages count.
    const off = a.onInvalidate((id) => (id === d.id || id === null) && seen.push(id));
    try {
      expect((await api.as(d.token).patch(`/doctors/${d.id}`, { bio: 'Cardiologist.' })).status).to.equal(
        200,
      );
      await testContext().knex('doctors').where({ id: d.id }).update({ rating: 4.5, ratingCount: 2 });
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).to.deep.equal([]);
      expect(b.doctor(d.id)).to.not.equal(undefined);
    } finally {
      off();
    }
  });

  it('does not keep a read that overlapped an invalidation (it may predate the change)', async () => {
    const d = await createUser('doctor');
    const epoch = a.epoch;
    a.invalidate(d.id);
    a.storeDoctor(entry(d), epoch);
    a.storeDirectory('*', [entry(d)], epoch);
    expect(a.doctor(d.id)).to.equal(undefined);
    expect(a.directory('*')).to.equal(undefined);
  });

  it('is bypassed while not listening: nothing is stored or served', async () => {
    const deaf = new PgListener({
      // Nothing listens on port 1: the connection keeps failing and retrying.
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      channels: [NOTIFY_CHANNELS.doctorSchedules],
      logger: services().logger,
      reconnectDelayMs: 60_000,
    });
    const cache = new DoctorScheduleCache({ listener: deaf });
    try {
      const d = await createUser('doctor');
      cache.storeDoctor(entry(d), cache.epoch);
      expect(cache.doctor(d.id)).to.equal(undefined);
      expect(cache.size).to.equal(0);
    } finally {
      cache.close();
      await deaf.close();
    }
  });

  it('expires an entry after maxAgeMs (a LISTEN connection may die unnoticed)', async () => {
    const cache = new DoctorScheduleCache({ listener: listeners[0]!, maxAgeMs: 50 });
    try {
      const d = await createUser('doctor');
      cache.storeDoctor(entry(d), cache.epoch);
      expect(cache.doctor(d.id)).to.not.equal(undefined);
      await new Promise((r) => setTimeout(r, 80));
      expect(cache.doctor(d.id)).to.equal(undefined);
    } finally {
      cache.close();
    }
  });
});
