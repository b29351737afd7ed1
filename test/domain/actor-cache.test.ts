import { expect } from 'chai';
import { ActorCache } from '../../domain/auth/actor-cache.js';
import type { Actor } from '../../domain/auth/actor.js';
import { authenticateToken } from '../../domain/auth/tokens.js';
import { services } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { api, request } from '../helpers/http.js';
import { withSecondWeb } from '../helpers/second-web.js';
import { waitUntil } from '../helpers/wait.js';

/** Resolves with the time (ms) until `cache` drops `userId`'s entries. */
function invalidated(cache: ActorCache, userId: string, limitMs = 5_000): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no invalidation of ${userId}`)), limitMs);
    const off = cache.onInvalidate((id) => {
      if (id !== userId) return;
      clearTimeout(timer);
      off();
      resolve(performance.now() - t0);
    });
  });
}

describe('actor cache', () => {
  let a: ActorCache;
  let b: ActorCache;
  let loads = 0;
  const load = (token: string): Promise<Actor> => {
    loads += 1;
    return authenticateToken(token);
  };

  before(async () => {
    // Two caches with their own LISTEN connections behave as two web processes would.
    const opts = { connectionString: testContext().databaseUrl, logger: services().logger };
    a = new ActorCache(opts);
    b = new ActorCache(opts);
    await Promise.all([a.ready(), b.ready()]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });
  beforeEach(() => (loads = 0));

  it('reads the database once per token and process, then answers from memory', async () => {
    const user = await createUser('nurse');
    for (let i = 0; i < 3; i++) {
      expect((await a.get(user.token, load)).userId).to.equal(user.id);
      expect((await b.get(user.token, load)).role).to.equal('nurse');
    }
    expect(loads).to.equal(2);
  });

  for (const [what, revoke] of [
    ['logout (204)', async (u: { token: string }) => api.as(u.token).post('/auth/logout')],
    [
      'suspension by an admin (200)',
      async (u: { id: string }) => {
        const admin = await createUser('admin');
        return api.as(admin.token).patch(`/users/${u.id}/status`, { status: 'suspended' });
      },
    ],
    [
      'password change (200)',
      async (u: { token: string; password: string }) =>
        api
          .as(u.token)
          .post('/auth/change-password', { oldPassword: u.password, newPassword: 'a new password 1' }),
    ],
  ] as const) {
    it(`drops the token on every process within 1 s of a ${what}, then refuses it`, async () => {
      const user = await createUser('patient');
      await a.get(user.token, load);
      await b.get(user.token, load);
      const waits = [invalidated(a, user.id), invalidated(b, user.id)];
      const res = await revoke(user);
      expect(res.status).to.be.oneOf([200, 204]);
      for (const ms of await Promise.all(waits)) expect(ms).to.be.below(1000);
      for (const cache of [a, b]) {
        const err = await cache.get(user.token, load).then(
          () => undefined,
          (e: { code?: string }) => e,
        );
        expect(err?.code).to.equal('token_revoked');
      }
    });
  }

  it('drops a patient user whose profile is deleted (the actor loses its patientId)', async () => {
    const user = await createUser('patient');
    expect((await a.get(user.token, load)).patientId).to.equal(user.patientId);
    const wait = invalidated(a, user.id);
    await testContext().knex('patients').where({ id: user.patientId }).update({ deletedAt: new Date() });
    await wait;
    expect((await a.get(user.token, load)).patientId).to.equal(undefined);
  });

  it('does not keep a row read while an invalidation arrived (it may predate the change)', async () => {
    const user = await createUser('staff');
    await a.get(user.token, async (t) => {
      a.invalidate(user.id);
      return load(t);
    });
    await a.get(user.token, load);
    expect(loads).to.equal(2);
  });

  it('refuses a revoked token within 1 s on a second web process (logout on the first)', async function () {
    this.timeout(60_000);
    await withSecondWeb(async (url) => {
      const user = await createUser('doctor');
      const me = () =>
        fetch(`${url}/api/v1/users/me`, { headers: { authorization: `Bearer ${user.token}` } });
      expect((await me()).status).to.equal(200);
      expect((await me()).status).to.equal(200);
      expect((await request('POST', '/auth/logout', { token: user.token })).status).to.equal(204);
      const t0 = performance.now();
      await waitUntil(
        async () => (await me()).status === 401,
        1000,
        'the second process to refuse the token',
      );
      expect(performance.now() - t0).to.be.below(1000);
      const body = (await (await me()).json()) as { error: { code: string } };
      expect(body.error.code).to.equal('token_revoked');
    });
  });
});
