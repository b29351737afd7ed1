import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { expect } from 'chai';
import pg from 'pg';
import { createApp } from '../../api/app.js';
import { clinicToday } from '../../domain/queue/queue-entry.js';
import { createLogger } from '../../lib/logger.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface SseEvent {
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects parsed events until closed. */
async function openSse(url: string, token?: string) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let raw = '';
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const pump = (async () => {
    if (!res.body || res.status !== 200) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        buf += text;
        if (raw.includes(': connected')) connected();
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const ev: SseEvent = { event: 'message', data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) {
              ev.event = line.slice(7);
              isEvent = true;
            } else if (line.startsWith('data: ')) {
              ev.data += line.slice(6);
              isEvent = true;
            }
          }
          if (isEvent) events.push(ev);
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    raw: () => raw,
    ready,
    async waitFor(match: (data: any) => boolean, timeoutMs = 5_000) {
      return waitUntil(
        () =>
          events
            .filter((e) => e.event === 'queue')
            .map((e) => JSON.parse(e.data))
            .find(match),
        timeoutMs,
        'an SSE queue event',
      );
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe('queue API', () => {
  let staff: TestUser;
  let nurse: TestUser;
  let admin: TestUser;

  before(async () => {
    [staff, nurse, admin] = await Promise.all([
      createUser('staff'),
      createUser('nurse'),
      createUser('admin'),
    ]);
  });

  it('adds a patient to the general queue and answers 201 with the entry', async () => {
    const p = await createWalkInPatient();
    const res = await api.as(staff.token).post('/queue', { patientId: p.id });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({
      patientId: p.id,
      status: 'WAITING',
      date: clinicToday(testContext().config.clinicTimeZone),
    });
    expect(res.body.number).to.be.a('number').at.least(1);
    expect(res.body).not.to.have.property('doctorId');
  });

  it('hands out unique, contiguous numbers to 24 concurrent adds to one doctor queue (all 201)', async () => {
    const doctor = await createUser('doctor');
    const patients = await Promise.all(Array.from({ length: 24 }, () => createWalkInPatient()));
    const results = await Promise.all(
      patients.map((p) => api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id })),
    );
    expect(results.map((r) => r.status)).to.deep.equal(Array(24).fill(201));
    const numbers = results.map((r) => r.body.number as number).sort((a, b) => a - b);
    expect(numbers).to.deep.equal(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(results.every((r) => r.body.doctorId === doctor.id)).to.equal(true);
    const list = await api.as(staff.token).get(`/queue?doctorId=${doctor.id}`);
    expect(list.body.items.map((e: { number: number }) => e.number)).to.deep.equal(numbers);
  });

  it('keeps numbers contiguous when 20 adds race 20 duplicate adds of the same patients (20 × 201 + 20 × 409)', async () => {
    const doctor = await createUser('doctor');
    const patients = await Promise.all(Array.from({ length: 20 }, () => createWalkInPatient()));
    const results = await Promise.all(
      [...patients, ...patients].map((p, i) =>
        api.as(i % 2 ? nurse.token : staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect([created.length, refused.length]).to.deep.equal([20, 20]);
    expect(refused.every((r) => errorOf(r).code === 'duplicate')).to.equal(true);
    // A refused add rolled its number back: no gaps, no repeats.
    expect(created.map((r) => r.body.number as number).sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(created.map((r) => r.body.patientId)).size).to.equal(20);
  });

  it('has the database refuse a second row with the same number in one queue, whatever code writes it', async () => {
    const doctor = await createUser('doctor');
    const [a, b] = await Promise.all([createWalkInPatient(), createWalkInPatient()]);
    const first = await api.as(staff.token).post('/queue', { patientId: a.id, doctorId: doctor.id });
    let error: { code?: string; constraint?: string } | undefined;
    try {
      await testContext().knex('queueEntries').insert({
        clinicDate: first.body.date,
        doctorId: doctor.id,
        number: first.body.number,
        patientId: b.id,
      });
    } catch (err) {
      error = err as { code?: string; constraint?: string };
    }
    expect(error).to.include({ code: '23505', constraint: 'queue_entries_number_unique' });
  });

  it('numbers each doctor queue on its own, and the general queue apart (201)', async () => {
    const [d1, d2] = await Promise.all([createUser('doctor'), createUser('doctor')]);
    const [a, b, c] = await Promise.all([
      createWalkInPatient(),
      createWalkInPatient(),
      createWalkInPatient(),
    ]);
    const r1 = await api.as(staff.token).post('/queue', { patientId: a.id, doctorId: d1.id });
    const r2 = await api.as(staff.token).post('/queue', { patientId: b.id, doctorId: d2.id });
    const r3 = await api.as(staff.token).post('/queue', { patientId: c.id, doctorId: d1.id });
    expect([r1.body.number, r2.body.number, r3.body.number]).to.deep.equal([1, 1, 2]);
  });

  it('refuses a second active ticket for one patient in one queue (409 duplicate) without using up a number', async () => {
    const doctor = await createUser('doctor');
    const [p, q] = await Promise.all([createWalkInPatient(), createWalkInPatient()]);
    expect(
      (await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id })).status,
    ).to.equal(201);
    const dup = await api.as(nurse.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
    expect(dup.status).to.equal(409);
    expect(errorOf(dup).code).to.equal('duplicate');
    const next = await api.as(staff.token).post('/queue', { patientId: q.id, doctorId: doctor.id });
    expect(next.body.number).to.equal(2);
  });

  it('lets a cancelled or completed patient queue again (201)', async () => {
    const p = await createWalkInPatient();
    const doctor = await createUser('doctor');
    const first = await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
    await api.as(staff.token).patch(`/queue/${first.body.id}`, { status: 'CANCELLED' });
    const again = await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
    expect(again.status).to.equal(201);
    expect(again.body.number).to.equal(2);
  });

  it('allows WAITING → IN_PROGRESS → COMPLETED (200) and refuses every other move (409 invalid_transition)', async () => {
    const mk = async () =>
      (await api.as(staff.token).post('/queue', { patientId: (await createWalkInPatient()).id })).body
        .id as string;
    const patch = (id: string, status: string) => api.as(staff.token).patch(`/queue/${id}`, { status });

    const e = await mk();
    expect((await patch(e, 'COMPLETED')).status).to.equal(409);
    expect((await patch(e, 'WAITING')).status).to.equal(409);
    const started = await patch(e, 'IN_PROGRESS');
    expect(started.status).to.equal(200);
    expect(started.body.status).to.equal('IN_PROGRESS');
    expect((await patch(e, 'IN_PROGRESS')).status).to.equal(409);
    expect((await patch(e, 'WAITING')).status).to.equal(409);
    expect((await patch(e, 'COMPLETED')).body.status).to.equal('COMPLETED');
    for (const s of ['WAITING', 'IN_PROGRESS', 'CANCELLED', 'COMPLETED']) {
      const res = await patch(e, s);
      expect(res.status, `COMPLETED → ${s}`).to.equal(409);
      expect(errorOf(res).code).to.equal('invalid_transition');
    }

    const c = await mk();
    expect((await patch(c, 'CANCELLED')).status).to.equal(200);
    for (const s of ['WAITING', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED']) {
      expect((await patch(c, s)).status, `CANCELLED → ${s}`).to.equal(409);
    }
    const ip = await mk();
    await patch(ip, 'IN_PROGRESS');
    expect((await patch(ip, 'CANCELLED')).status).to.equal(200);
  });

  it('lets exactly one of two racing calls of the same patient win (200 + 409)', async () => {
    const id = (await api.as(staff.token).post('/queue', { patientId: (await createWalkInPatient()).id }))
      .body.id;
    const [a, b] = await Promise.all([
      api.as(staff.token).patch(`/queue/${id}`, { status: 'IN_PROGRESS' }),
      api.as(nurse.token).patch(`/queue/${id}`, { status: 'IN_PROGRESS' }),
    ]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
  });

  it('filters the list by status and doctor, and pages with a cursor (200)', async () => {
    const doctor = await createUser('doctor');
    const ps = await Promise.all([1, 2, 3].map(() => createWalkInPatient()));
    const ids: string[] = [];
    for (const p of ps)
      ids.push((await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id })).body.id);
    await api.as(staff.token).patch(`/queue/${ids[0]}`, { status: 'IN_PROGRESS' });
    const waiting = await api.as(staff.token).get(`/queue?doctorId=${doctor.id}&status=WAITING`);
    expect(waiting.body.items.map((e: { id: string }) => e.id)).to.deep.equal(ids.slice(1));
    const page1 = await api.as(staff.token).get(`/queue?doctorId=${doctor.id}&limit=2`);
    expect(page1.body.items).to.have.length(2);
    const page2 = await api
      .as(staff.token)
      .get(`/queue?doctorId=${doctor.id}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((e: { id: string }) => e.id)).to.deep.equal([ids[2]]);
    expect(page2.body.nextCursor).to.equal(null);
    const otherDay = await api.as(staff.token).get(`/queue?doctorId=${doctor.id}&date=2020-01-01`);
    expect(otherDay.body).to.deep.equal({ items: [], nextCursor: null, date: '2020-01-01' });
  });

  describe('access matrix', () => {
    let own: TestUser;
    let other: TestUser;
    let doctor: TestUser;
    let otherDoctor: TestUser;
    let generalEntry: string;
    let otherDoctorEntry: string;

    before(async () => {
      [own, other, doctor, otherDoctor] = await Promise.all([
        createUser('patient'),
        createUser('patient'),
        createUser('doctor'),
        createUser('doctor'),
      ]);
      generalEntry = (await api.as(staff.token).post('/queue', { patientId: own.patientId })).body.id;
      otherDoctorEntry = (
        await api.as(staff.token).post('/queue', { patientId: own.patientId, doctorId: otherDoctor.id })
      ).body.id;
    });

    it('POST /queue: staff, nurse, admin 201; doctor 201 for a patient in their care, 404 otherwise, 403 for another doctor queue; patients 403', async () => {
      for (const u of [staff, nurse, admin]) {
        const p = await createWalkInPatient();
        expect((await api.as(u.token).post('/queue', { patientId: p.id })).status, u.role).to.equal(201);
      }
      const unmapped = await createWalkInPatient();
      expect((await api.as(doctor.token).post('/queue', { patientId: unmapped.id })).status).to.equal(404);
      const mapped = await createWalkInPatient();
      await mapPatient(mapped.id, doctor.id);
      const byDoctor = await api.as(doctor.token).post('/queue', { patientId: mapped.id });
      expect(byDoctor.status).to.equal(201);
      expect(byDoctor.body.doctorId).to.equal(doctor.id);
      const elsewhere = await api
        .as(doctor.token)
        .post('/queue', { patientId: mapped.id, doctorId: otherDoctor.id });
      expect(elsewhere.status).to.equal(403);
      expect((await api.as(own.token).post('/queue', { patientId: own.patientId })).status).to.equal(403);
      expect((await api.as(other.token).post('/queue', { patientId: own.patientId })).status).to.equal(403);
      expect((await request('POST', '/queue', { body: { patientId: own.patientId } })).status).to.equal(401);
    });

    it('POST /queue: an unknown patient or doctor is 404', async () => {
      const p = await createWalkInPatient();
      const ghost = '00000000-0000-4000-8000-000000000001';
      expect((await api.as(staff.token).post('/queue', { patientId: ghost })).status).to.equal(404);
      expect(
        (await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: ghost })).status,
      ).to.equal(404);
    });

    it('GET /queue: 200 for every role, each seeing only what they may', async () => {
      const ids = async (u: TestUser) => {
        const res = await api.as(u.token).get('/queue?limit=100');
        expect(res.status, u.role).to.equal(200);
        return (res.body.items as { id: string }[]).map((e) => e.id);
      };
      expect(await ids(own)).to.have.members([generalEntry, otherDoctorEntry]);
      expect(await ids(other)).to.deep.equal([]);
      const doctorSees = await ids(doctor);
      expect(doctorSees).to.include(generalEntry).and.not.include(otherDoctorEntry);
      for (const u of [nurse, staff])
        expect(await ids(u), u.role).to.include.members([generalEntry, otherDoctorEntry]);
      const adminRes = await api.as(admin.token).get(`/queue?doctorId=${otherDoctor.id}`);
      expect(adminRes.body.items.map((e: { id: string }) => e.id)).to.include(otherDoctorEntry);
      expect((await request('GET', '/queue')).status).to.equal(401);
    });

    it('GET /queue/:id: own patient 200, other patient 404, doctor 200 for the general queue and 404 for another doctor queue, care team 200', async () => {
      expect((await api.as(own.token).get(`/queue/${generalEntry}`)).status).to.equal(200);
      expect((await api.as(other.token).get(`/queue/${generalEntry}`)).status).to.equal(404);
      expect((await api.as(doctor.token).get(`/queue/${generalEntry}`)).status).to.equal(200);
      expect((await api.as(doctor.token).get(`/queue/${otherDoctorEntry}`)).status).to.equal(404);
      expect((await api.as(otherDoctor.token).get(`/queue/${otherDoctorEntry}`)).status).to.equal(200);
      for (const u of [nurse, staff, admin])
        expect((await api.as(u.token).get(`/queue/${otherDoctorEntry}`)).status).to.equal(200);
    });

    it('PATCH /queue/:id: patients 403, doctor 404 on another doctor queue, care team and admins 200', async () => {
      expect(
        (await api.as(own.token).patch(`/queue/${generalEntry}`, { status: 'CANCELLED' })).status,
      ).to.equal(403);
      expect(
        (await api.as(other.token).patch(`/queue/${generalEntry}`, { status: 'CANCELLED' })).status,
      ).to.equal(403);
      expect(
        (await api.as(doctor.token).patch(`/queue/${otherDoctorEntry}`, { status: 'IN_PROGRESS' })).status,
      ).to.equal(404);
      expect(
        (await api.as(otherDoctor.token).patch(`/queue/${otherDoctorEntry}`, { status: 'IN_PROGRESS' }))
          .status,
      ).to.equal(200);
      expect(
        (await api.as(doctor.token).patch(`/queue/${generalEntry}`, { status: 'IN_PROGRESS' })).status,
      ).to.equal(200);
      for (const u of [nurse, staff, admin]) {
        const id = (await api.as(staff.token).post('/queue', { patientId: (await createWalkInPatient()).id }))
          .body.id;
        expect(
          (await api.as(u.token).patch(`/queue/${id}`, { status: 'CANCELLED' })).status,
          u.role,
        ).to.equal(200);
      }
    });

    it('GET /queue/stream: 200 text/event-stream for every role (token in header or ?access_token=), 401 without', async () => {
      const url = `${testContext().baseUrl}/api/v1/queue/stream`;
      for (const u of [own, other, doctor, nurse, staff, admin]) {
        const s = await openSse(`${url}?access_token=${encodeURIComponent(u.token)}`);
        expect(s.res.status, u.role).to.equal(200);
        expect(s.res.headers.get('content-type')).to.match(/^text\/event-stream/);
        expect(s.res.headers.get('cache-control')).to.contain('no-cache');
        expect(s.res.headers.get('x-accel-buffering')).to.equal('no');
        await s.ready;
        await s.close();
      }
      const withHeader = await openSse(url, staff.token);
      expect(withHeader.res.status).to.equal(200);
      await withHeader.close();
      const anonymous = await fetch(url);
      expect(anonymous.status).to.equal(401);
      expect(
        errorOf({ status: 401, body: await anonymous.json(), headers: anonymous.headers, text: '' }).code,
      ).to.equal('unauthorized');
    });
  });

  describe('live stream across web processes', () => {
    let second: Server;
    let secondUrl: string;

    before(async () => {
      const app = createApp({ logger: createLogger('silent'), appUrl: 'http://clinicflow.test' });
      second = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => second.once('listening', () => resolve()));
      secondUrl = `http://127.0.0.1:${(second.address() as { port: number }).port}`;
    });

    after(async () => {
      second.closeAllConnections();
      await new Promise<void>((resolve) => second.close(() => resolve()));
    });

    it('delivers a change made through one app instance to a stream on another', async () => {
      const doctor = await createUser('doctor');
      const stream = await openSse(
        `${secondUrl}/api/v1/queue/stream?doctorId=${doctor.id}&access_token=${nurse.token}`,
      );
      await stream.ready;
      const p = await createWalkInPatient();
      // The change goes through the suite's main instance (testContext().baseUrl), not `second`.
      const created = await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
      const ev = await stream.waitFor((d) => d.entry.id === created.body.id);
      expect(ev).to.deep.equal({ action: 'created', entry: created.body });
      const moved = await api.as(staff.token).patch(`/queue/${created.body.id}`, { status: 'IN_PROGRESS' });
      const upd = await stream.waitFor((d) => d.action === 'updated' && d.entry.id === created.body.id);
      expect(upd.entry).to.deep.equal(moved.body);
      await stream.close();
    });

    it('is fed by PostgreSQL NOTIFY: a notification from any connection reaches the stream', async () => {
      const stream = await openSse(`${secondUrl}/api/v1/queue/stream?access_token=${staff.token}`);
      await stream.ready;
      const client = new pg.Client({ connectionString: testContext().databaseUrl });
      await client.connect();
      const entry = {
        id: '00000000-0000-4000-8000-0000000000aa',
        number: 7,
        date: '2026-01-01',
        status: 'WAITING',
        patientId: '00000000-0000-4000-8000-0000000000bb',
      };
      try {
        await client.query("select pg_notify('queue_changes', $1)", [
          JSON.stringify({ action: 'created', entry }),
        ]);
      } finally {
        await client.end();
      }
      expect((await stream.waitFor((d) => d.entry.id === entry.id)).entry).to.deep.equal(entry);
      await stream.close();
    });

    it('tells streams to resync after the LISTEN connection is lost, and keeps delivering once it is back', async () => {
      const doctor = await createUser('doctor');
      const stream = await openSse(
        `${secondUrl}/api/v1/queue/stream?doctorId=${doctor.id}&access_token=${staff.token}`,
      );
      await stream.ready;
      // Kill this database's LISTEN connection(s) server-side, as a failover or restart would.
      const { rows } = await testContext().knex.raw(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity
          where datname = current_database() and application_name = 'clinicflow-listen'`,
      );
      expect(rows.length).to.be.at.least(1);
      await waitUntil(() => stream.events.some((e) => e.event === 'resync'), 10_000, 'event: resync');
      const p = await createWalkInPatient();
      const created = await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
      expect((await stream.waitFor((d) => d.entry.id === created.body.id)).entry).to.deep.equal(created.body);
      await stream.close();
    });

    it('sends only the changes a viewer may see: a patient gets their own, and ?doctorId= narrows to one queue', async () => {
      const [patient, doctor] = await Promise.all([createUser('patient'), createUser('doctor')]);
      const mine = await openSse(`${secondUrl}/api/v1/queue/stream?access_token=${patient.token}`);
      const docOnly = await openSse(
        `${secondUrl}/api/v1/queue/stream?doctorId=${doctor.id}&access_token=${staff.token}`,
      );
      await Promise.all([mine.ready, docOnly.ready]);
      const stranger = await createWalkInPatient();
      const a = await api.as(staff.token).post('/queue', { patientId: stranger.id });
      const b = await api
        .as(staff.token)
        .post('/queue', { patientId: patient.patientId, doctorId: doctor.id });
      await mine.waitFor((d) => d.entry.id === b.body.id);
      await docOnly.waitFor((d) => d.entry.id === b.body.id);
      const seen = (s: typeof mine) =>
        s.events.filter((e) => e.event === 'queue').map((e) => JSON.parse(e.data).entry.id);
      // Both events were committed in order; b arriving means a was already delivered (or filtered).
      expect(seen(mine)).not.to.include(a.body.id);
      expect(seen(docOnly)).not.to.include(a.body.id);
      await Promise.all([mine.close(), docOnly.close()]);
    });
  });

  describe('live stream across two OS processes', function () {
    this.timeout(40_000);
    let child: ChildProcess | undefined;
    let childUrl: string;

    before(async () => {
      // A real second web process (bin/web.ts, no worker) on the same database: nothing is shared
      // with this one but PostgreSQL, so only LISTEN/NOTIFY can carry a change across.
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
        30_000,
        'the second web process',
      );
    });

    after(async () => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      // A drain that hangs must not hang the suite (nor leave the process behind).
      const force = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    });

    it('delivers changes made in either process to streams connected to the other', async () => {
      const doctor = await createUser('doctor');
      const onChild = await openSse(
        `${childUrl}/api/v1/queue/stream?doctorId=${doctor.id}&access_token=${nurse.token}`,
      );
      const onMain = await openSse(
        `${testContext().baseUrl}/api/v1/queue/stream?doctorId=${doctor.id}&access_token=${staff.token}`,
      );
      await Promise.all([onChild.ready, onMain.ready]);
      const p = await createWalkInPatient();
      const created = await api.as(staff.token).post('/queue', { patientId: p.id, doctorId: doctor.id });
      expect(created.status).to.equal(201);
      expect(await onChild.waitFor((d) => d.entry.id === created.body.id)).to.deep.equal({
        action: 'created',
        entry: created.body,
      });
      const moved = await fetch(`${childUrl}/api/v1/queue/${created.body.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${nurse.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'IN_PROGRESS' }),
      });
      expect(moved.status).to.equal(200);
      const upd = await onMain.waitFor((d) => d.action === 'updated' && d.entry.id === created.body.id);
      expect(upd.entry).to.deep.equal(await moved.json());
      await Promise.all([onChild.close(), onMain.close()]);
    });
  });

  describe('bad input', () => {
    it('answers 400 validation_failed on every route', async () => {
      const cases: [string, string, unknown?][] = [
        ['POST', '/queue', {}],
        ['POST', '/queue', { patientId: 'nope' }],
        ['POST', '/queue', { patientId: '00000000-0000-4000-8000-000000000001', doctorId: 5 }],
        ['POST', '/queue', { patientId: '00000000-0000-4000-8000-000000000001', number: 1 }],
        ['GET', '/queue?status=DONE'],
        ['GET', '/queue?date=yesterday'],
        ['GET', '/queue?limit=0'],
        ['GET', '/queue?limit=101'],
        ['GET', '/queue?cursor=garbage'],
        ['GET', '/queue?extra=1'],
        ['GET', '/queue/not-a-uuid'],
        ['GET', '/queue/stream?doctorId=nope'],
        ['PATCH', '/queue/not-a-uuid', { status: 'CANCELLED' }],
        ['PATCH', '/queue/00000000-0000-4000-8000-000000000001', { status: 'DONE' }],
        ['PATCH', '/queue/00000000-0000-4000-8000-000000000001', {}],
      ];
      for (const [method, path, body] of cases) {
        const res = await request(method, path, { token: staff.token, body });
        expect(res.status, `${method} ${path}`).to.equal(400);
        expect(errorOf(res).code).to.equal('validation_failed');
      }
    });

    it('answers 400 on malformed JSON and 404 on an unknown entry', async () => {
      const res = await request('POST', '/queue', {
        token: staff.token,
        rawBody: '{"patientId":',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).to.equal(400);
      errorOf(res);
      const missing = await api
        .as(staff.token)
        .patch('/queue/00000000-0000-4000-8000-000000000001', { status: 'CANCELLED' });
      expect(missing.status).to.equal(404);
    });
  });
});
