import { expect } from 'chai';
import { issueToken } from '../../domain/auth/tokens.js';
import { allRoutes } from '../../api/routes/index.js';
import type { RouteDef } from '../../api/route.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { request } from '../helpers/http.js';

/**
 * Sends malformed input to every operation in the route table, as a super-admin and as a patient,
 * and requires a 4xx (or a success for input that happens to be acceptable) — never a 5xx. New
 * routes are covered automatically, because the list comes from the same table as the router.
 */
const NOT_A_UUID = 'not-a-uuid';
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

function pathWith(route: RouteDef, value: string): string {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, () => encodeURIComponent(value));
}

const badBodies: unknown[] = [
  [],
  'a string',
  42,
  null,
  { unexpectedField: true },
  {
    name: 123,
    email: ['x'],
    password: { a: 1 },
    status: 'owner',
    role: 'super-admin',
    startsAt: 'yesterday',
  },
  { patientId: NOT_A_UUID, doctorId: 7, dueAt: 'soon', rating: 11, medications: 'many', weekly: 'always' },
];

const isStream = (r: RouteDef) => r.responseContentType === 'text/event-stream';

describe('every route refuses malformed input with a 4xx, never a 5xx', function () {
  this.timeout(120_000);
  let superAdmin: TestUser;
  let patient: TestUser;
  before(async () => {
    superAdmin = await createUser('super-admin');
    patient = await createUser('patient');
  });

  // A fresh token per request: some routes (logout, change-password) revoke the token they are given.
  const tokenFor = (u: TestUser) => issueToken({ id: u.id, role: u.role, tokenGeneration: 0 }).token;

  async function expectNo5xx(
    method: string,
    path: string,
    opts: Parameters<typeof request>[2],
    label: string,
  ) {
    const res = await request(method, path, opts);
    expect(res.status, `${label} → ${res.status} ${res.text.slice(0, 200)}`).to.be.below(500);
    if (res.status >= 400) {
      expect(res.body?.error?.code, `${label} has the error envelope`).to.be.a('string');
    }
  }

  for (const route of allRoutes.filter((r) => !isStream(r) && !r.unprefixed)) {
    const label = `${route.method} ${route.path}`;
    it(`${label} (${route.operationId})`, async () => {
      for (const user of [superAdmin, patient]) {
        if (route.params) {
          await expectNo5xx(
            route.method,
            pathWith(route, NOT_A_UUID),
            { token: tokenFor(user), body: route.method === 'GET' ? undefined : {} },
            `${label} with a bad id`,
          );
          await expectNo5xx(
            route.method,
            pathWith(route, ZERO_UUID) + '?unknown=1&limit=-5&cursor=%%%',
            { token: tokenFor(user) },
            `${label} with a bad query`,
          );
        }
        const path = pathWith(route, ZERO_UUID);
        if (route.method !== 'GET' && route.method !== 'DELETE') {
          for (const body of badBodies) {
            await expectNo5xx(
              route.method,
              path,
              { token: tokenFor(user), body },
              `${label} with ${JSON.stringify(body)}`,
            );
          }
          await expectNo5xx(
            route.method,
            path,
            {
              token: tokenFor(user),
              rawBody: '{"broken": ',
              headers: { 'content-type': 'application/json' },
            },
            `${label} with malformed JSON`,
          );
          await expectNo5xx(
            route.method,
            path,
            {
              token: tokenFor(user),
              rawBody: 'name=x',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            },
            `${label} with a form body`,
          );
        } else {
          await expectNo5xx(
            route.method,
            `${path}?limit=1000&from=nope&to=nope&status=weird&cursor=eyJ4IjoxfQ`,
            { token: tokenFor(user) },
            `${label} with a bad query`,
          );
        }
      }
    });
  }
});
