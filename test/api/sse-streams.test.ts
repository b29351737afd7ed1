import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { openStreamCount } from '../../api/streams/registry.js';
import { issueToken } from '../../domain/auth/tokens.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';
import { SseClient } from '../scaling/sse-client.js';

const streamUrl = (token: string, base = testContext().baseUrl) =>
  `${base}/api/v1/queue/stream?access_token=${encodeURIComponent(token)}`;

/** Resolves with how the stream ended, or 'open' if it is still open after `ms`. */
async function endedWithin(client: SseClient, ms = 5_000): Promise<'end' | 'open' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)));
  try {
    return await Promise.race([client.closed, open]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectRevoked(client: SseClient): Promise<void> {
  const t0 = Date.now();
  expect(await endedWithin(client)).to.equal('end');
  expect(Date.now() - t0).to.be.below(5_000);
  expect(client.events.at(-1)).to.deep.equal({ event: 'end', data: '{"reason":"session_revoked"}' });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('SSE streams: limits and revocation', () => {
  let admin: TestUser;
  before(async () => {
    admin = await createUser('admin');
  });

  it('lets a user hold SSE_MAX_STREAMS_PER_USER streams; the next one is 429 rate_limited until one closes', async () => {
    const staff = await createUser('staff');
    const max = testContext().config.sseMaxStreamsPerUser;
    expect(max).to.equal(5);
    const streams = await Promise.all(
      Array.from({ length: max }, () => SseClient.open(streamUrl(staff.token))),
    );
    const refused = await fetch(streamUrl(staff.token));
    expect(refused.status).to.equal(429);
    expect(Number(refused.headers.get('retry-after'))).to.be.at.least(1);
    expect((JSON.parse(await refused.text()) as { error: { code: string } }).error.code).to.equal(
      'rate_limited',
    );
    // Another account is not affected.
    const other = await createUser('staff');
    const theirs = await SseClient.open(streamUrl(other.token));
    streams[0]!.close();
    await waitUntil(() => openStreamCount(staff.id) === max - 1, 5_000, 'the closed stream to be released');
    const again = await SseClient.open(streamUrl(staff.token));
    for (const s of [...streams, theirs, again]) s.close();
    await waitUntil(
      () => openStreamCount(staff.id) === 0 && openStreamCount(other.id) === 0,
      5_000,
      'all closed',
    );
  });

  it('ends the stream of a logged-out token within seconds, and leaves the same user’s other session streaming', async () => {
    const staff = await createUser('staff');
    const second = issueToken({ id: staff.id, role: 'staff', tokenGeneration: 0 }).token;
    const loggedOut = await SseClient.open(streamUrl(staff.token));
    const kept = await SseClient.open(streamUrl(second));
    expect((await api.as(staff.token).post('/auth/logout')).status).to.equal(204);
    await expectRevoked(loggedOut);
    const patient = await createWalkInPatient();
    const added = await api.as(second).post('/queue', { patientId: patient.id });
    expect(added.status, added.text).to.equal(201);
    await kept.waitFor((e) => e.event === 'queue' && e.data.includes(added.body.id));
    kept.close();
  });

  it('ends every stream of a user who changes their password (and the new token can stream)', async () => {
    const staff = await createUser('staff');
    const streams = [
      await SseClient.open(streamUrl(staff.token)),
      await SseClient.open(streamUrl(staff.token)),
    ];
    const changed = await api
      .as(staff.token)
      .post('/auth/change-password', { oldPassword: staff.password, newPassword: 'a new and long password' });
    expect(changed.status, changed.text).to.equal(200);
    for (const s of streams) await expectRevoked(s);
    const fresh = await SseClient.open(streamUrl(changed.body.token));
    expect(await endedWithin(fresh, 300)).to.equal('open');
    fresh.close();
  });

  for (const status of ['suspended', 'removed'] as const) {
    it(`ends the streams of a user an admin marks ${status}`, async () => {
      const nurse = await createUser('nurse');
      const stream = await SseClient.open(streamUrl(nurse.token));
      const res = await api.as(admin.token).patch(`/users/${nurse.id}/status`, { status });
      expect(res.status, res.text).to.equal(200);
      await expectRevoked(stream);
      const retry = await fetch(streamUrl(nurse.token));
      expect(retry.status).to.equal(401);
      expect(
        errorOf({ status: 401, body: await retry.json(), headers: retry.headers, text: '' }).code,
      ).to.equal('token_revoked');
    });
  }

  it('ends a stream when the revocation is written by any database connection (the trigger announces it)', async () => {
    const staff = await createUser('staff');
    const stream = await SseClient.open(streamUrl(staff.token));
    await testContext().knex.raw('update users set token_generation = token_generation + 1 where id = ?', [
      staff.id,
    ]);
    await expectRevoked(stream);
  });

  describe('across two OS processes', function () {
    this.timeout(60_000);
    let child: ChildProcess | undefined;
    let childUrl = '';

    before(async () => {
      const port = await freePort();
      const { config, databaseUrl } = testContext();
      child = spawn(process.execPath, ['--import', 'tsx', 'bin/web.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          JWT_SECRET: config.jwtSecret!,
          RUN_WORKER: 'false',
          LOG_LEVEL: 'silent',
          DATA_DIR: config.dataDir,
          DATABASE_POOL_SIZE: '4',
        },
        stdio: 'ignore',
      });
      childUrl = `http://127.0.0.1:${port}`;
      await waitUntil(
        async () => child!.exitCode === null && (await fetch(`${childUrl}/healthz`)).ok,
        40_000,
        'the second web process',
      );
    });

    after(async () => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    });

    it('ends a stream held by another web process when the user logs out here', async () => {
      const staff = await createUser('staff');
      const there = await SseClient.open(streamUrl(staff.token, childUrl));
      expect((await api.as(staff.token).post('/auth/logout')).status).to.equal(204);
      await expectRevoked(there);
    });
  });
});
