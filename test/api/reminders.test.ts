import { expect } from 'chai';
import { addJob } from '../../db/jobs.js';
import { testContext } from '../helpers/context.js';
import {
  createUser,
  createWalkInPatient,
  mapPatient,
  uniqueEmail,
  type TestUser,
} from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('reminders API', () => {
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

  it('schedules a reminder (201) with its job at the due time', async () => {
    const patient = await createUser('patient');
    const dueAt = inSeconds(3600);
    const res = await api
      .as(staff.token)
      .post('/reminders', { patientId: patient.patientId, message: 'Bring your X-rays', dueAt });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({
      patientId: patient.patientId,
      message: 'Bring your X-rays',
      status: 'scheduled',
      sentAt: null,
    });
    expect(res.body.channels).to.deep.equal(['email', 'in_app']);
    expect(new Date(res.body.dueAt).getTime()).to.equal(new Date(dueAt).getTime());
    const jobs = await testContext()
      .knex.withSchema('graphile_worker')
      .from('jobs')
      .where({ key: `send_custom_reminder:${res.body.id}` })
      .select('runAt', 'taskIdentifier');
    expect(jobs).to.have.length(1);
    expect(jobs[0].taskIdentifier).to.equal('send_custom_reminder');
    expect(new Date(jobs[0].runAt).getTime()).to.equal(new Date(dueAt).getTime());
  });

  it('delivers email and in-app notification at the due time, once; a reminder deleted before then never arrives', async () => {
    const { smtp } = testContext();
    const [kept, dropped] = await Promise.all([createUser('patient'), createUser('patient')]);
    const dueAt = inSeconds(2);
    const a = await api
      .as(nurse.token)
      .post('/reminders', { patientId: kept.patientId, message: 'Fasting from midnight', dueAt });
    const b = await api
      .as(dropped.token)
      .post('/reminders', { patientId: dropped.patientId, message: 'Call the lab', dueAt });
    expect([a.status, b.status]).to.deep.equal([201, 201]);

    const del = await api.as(dropped.token).delete(`/reminders/${b.body.id}`);
    expect(del.status).to.equal(204);
    expect(await jobsFor(`send_custom_reminder:${b.body.id}`)).to.deep.equal([]);

    const mail = await smtp.waitFor(kept.email, (m) => m.text.includes('Fasting from midnight'), 15_000);
    expect(mail.receivedAt.getTime()).to.be.at.least(new Date(dueAt).getTime() - 50);
    expect(mail.subject).to.match(/^Reminder: due /);
    expect(mail.text).to.contain(kept.name);

    // The notification commits with the reminder's `sent` status, just after the email went out.
    const note = await waitUntil(async () => {
      const notes = await api.as(kept.token).get('/notifications');
      return notes.body.items.find((n: { data: { reminderId?: string } }) => n.data.reminderId === a.body.id);
    });
    expect(note).to.include({ type: 'reminder', body: 'Fasting from midnight', read: false });

    const list = await api.as(kept.token).get(`/reminders?patientId=${kept.patientId}`);
    expect(list.body.items[0]).to.include({ id: a.body.id, status: 'sent' });
    expect(list.body.items[0].sentAt).to.be.a('string');

    // A copy of the job for the sent reminder and one for the cancelled reminder (a job already
    // running when the reminder was deleted) both do nothing.
    await addJob(testContext().knex, 'send_custom_reminder', { reminderId: a.body.id });
    await addJob(testContext().knex, 'send_custom_reminder', { reminderId: b.body.id });
    await drainJobs('send_custom_reminder');
    await drainJobs('send_email');
    expect(smtp.to(kept.email).filter((m) => m.text.includes('Fasting from midnight'))).to.have.length(1);
    expect(smtp.to(dropped.email)).to.deep.equal([]);
    const again = await api.as(kept.token).get('/notifications');
    expect(
      again.body.items.filter((n: { data: { reminderId?: string } }) => n.data.reminderId === a.body.id),
    ).to.have.length(1);
    const droppedNotes = await api.as(dropped.token).get('/notifications');
    expect(droppedNotes.body.items).to.deep.equal([]);
    const cancelled = await api.as(dropped.token).get('/reminders?status=cancelled');
    expect(cancelled.body.items.map((r: { id: string }) => r.id)).to.deep.equal([b.body.id]);
  });

  it('emails a walk-in patient without an account at their profile address, on the chosen channel only', async () => {
    const email = uniqueEmail('walkin');
    const p = await createWalkInPatient({ email });
    const res = await api.as(staff.token).post('/reminders', {
      patientId: p.id,
      message: 'Pick up your glasses',
      dueAt: inSeconds(0),
      channels: ['email'],
    });
    expect(res.status).to.equal(201);
    expect(res.body.channels).to.deep.equal(['email']);
    await testContext().smtp.waitFor(email, (m) => m.text.includes('Pick up your glasses'), 15_000);
  });

  it('answers 409 invalid_transition when deleting a sent reminder, and 204 again for a cancelled one', async () => {
    const patient = await createUser('patient');
    const sent = await api.as(staff.token).post('/reminders', {
      patientId: patient.patientId,
      message: 'now',
      dueAt: inSeconds(0),
      channels: ['in_app'],
    });
    await drainJobs('send_custom_reminder');
    const res = await api.as(staff.token).delete(`/reminders/${sent.body.id}`);
    expect(res.status).to.equal(409);
    expect(errorOf(res).code).to.equal('invalid_transition');
    const later = await api
      .as(staff.token)
      .post('/reminders', { patientId: patient.patientId, message: 'later', dueAt: inSeconds(3600) });
    expect((await api.as(staff.token).delete(`/reminders/${later.body.id}`)).status).to.equal(204);
    expect((await api.as(staff.token).delete(`/reminders/${later.body.id}`)).status).to.equal(204);
  });

  it('pages reminders by due time with a cursor (200)', async () => {
    const patient = await createUser('patient');
    const ids: string[] = [];
    for (const h of [3, 1, 2]) {
      ids.push(
        (
          await api.as(patient.token).post('/reminders', {
            patientId: patient.patientId,
            message: `m${h}`,
            dueAt: inSeconds(h * 3600),
          })
        ).body.id,
      );
    }
    const p1 = await api.as(patient.token).get('/reminders?limit=2');
    expect(p1.body.items.map((r: { message: string }) => r.message)).to.deep.equal(['m1', 'm2']);
    const p2 = await api.as(patient.token).get(`/reminders?limit=2&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items.map((r: { message: string }) => r.message)).to.deep.equal(['m3']);
    expect(p2.body.nextCursor).to.equal(null);
  });

  describe('access matrix', () => {
    let own: TestUser;
    let other: TestUser;
    let doctor: TestUser;
    let careDoctor: TestUser;
    const body = (patientId: string) => ({ patientId, message: 'Check-up', dueAt: inSeconds(7200) });

    before(async () => {
      [own, other, doctor, careDoctor] = await Promise.all([
        createUser('patient'),
        createUser('patient'),
        createUser('doctor'),
        createUser('doctor'),
      ]);
      await mapPatient(own.patientId!, careDoctor.id);
    });

    it('POST /reminders: own patient, care doctor, nurse, staff 201; other patient and unrelated doctor 404; admin 403', async () => {
      for (const u of [own, careDoctor, nurse, staff]) {
        expect((await api.as(u.token).post('/reminders', body(own.patientId!))).status, u.role).to.equal(201);
      }
      expect((await api.as(other.token).post('/reminders', body(own.patientId!))).status).to.equal(404);
      expect((await api.as(doctor.token).post('/reminders', body(own.patientId!))).status).to.equal(404);
      expect((await api.as(admin.token).post('/reminders', body(own.patientId!))).status).to.equal(403);
      expect((await request('POST', '/reminders', { body: body(own.patientId!) })).status).to.equal(401);
    });

    it('GET /reminders: each role sees only reminders of patients it reaches; asking for another patient is 404; admin 403', async () => {
      const r = await api.as(staff.token).post('/reminders', body(own.patientId!));
      const sees = async (u: TestUser, q = '') => {
        const res = await api.as(u.token).get(`/reminders?limit=100${q}`);
        return {
          status: res.status,
          ids: (res.body.items ?? []).map((x: { id: string }) => x.id) as string[],
        };
      };
      expect((await sees(own)).ids).to.include(r.body.id);
      expect((await sees(other)).ids).not.to.include(r.body.id);
      expect((await sees(other, `&patientId=${own.patientId}`)).status).to.equal(404);
      expect((await sees(doctor)).ids).not.to.include(r.body.id);
      expect((await sees(doctor, `&patientId=${own.patientId}`)).status).to.equal(404);
      expect((await sees(careDoctor, `&patientId=${own.patientId}`)).ids).to.include(r.body.id);
      for (const u of [nurse, staff])
        expect((await sees(u, `&patientId=${own.patientId}`)).ids).to.include(r.body.id);
      expect((await sees(admin)).status).to.equal(403);
    });

    it('DELETE /reminders/:id: own patient, care doctor, nurse, staff 204; other patient and unrelated doctor 404; admin 403', async () => {
      const mk = async () =>
        (await api.as(staff.token).post('/reminders', body(own.patientId!))).body.id as string;
      for (const u of [own, careDoctor, nurse, staff]) {
        expect((await api.as(u.token).delete(`/reminders/${await mk()}`)).status, u.role).to.equal(204);
      }
      const id = await mk();
      expect((await api.as(other.token).delete(`/reminders/${id}`)).status).to.equal(404);
      expect((await api.as(doctor.token).delete(`/reminders/${id}`)).status).to.equal(404);
      expect((await api.as(admin.token).delete(`/reminders/${id}`)).status).to.equal(403);
      expect((await jobsFor(`send_custom_reminder:${id}`)).length).to.equal(1);
    });
  });

  describe('bad input', () => {
    it('answers 4xx in the error envelope on every route', async () => {
      const patient = await createUser('patient');
      const ok = { patientId: patient.patientId, message: 'x', dueAt: inSeconds(600) };
      const cases: [string, string, unknown, number][] = [
        ['POST', '/reminders', {}, 400],
        ['POST', '/reminders', { ...ok, patientId: 'nope' }, 400],
        ['POST', '/reminders', { ...ok, message: '' }, 400],
        ['POST', '/reminders', { ...ok, message: '   ' }, 400],
        ['POST', '/reminders', { ...ok, message: 'x'.repeat(2001) }, 400],
        ['POST', '/reminders', { ...ok, dueAt: 'tomorrow' }, 400],
        ['POST', '/reminders', { ...ok, dueAt: inSeconds(-3600) }, 400],
        ['POST', '/reminders', { ...ok, dueAt: inSeconds(400 * 24 * 3600) }, 400],
        ['POST', '/reminders', { ...ok, channels: [] }, 400],
        ['POST', '/reminders', { ...ok, channels: ['sms'] }, 400],
        ['POST', '/reminders', { ...ok, channels: ['email', 'email'] }, 400],
        ['POST', '/reminders', { ...ok, status: 'sent' }, 400],
        ['POST', '/reminders', { ...ok, patientId: '00000000-0000-4000-8000-000000000001' }, 404],
        ['GET', '/reminders?status=done', undefined, 400],
        ['GET', '/reminders?patientId=nope', undefined, 400],
        ['GET', '/reminders?limit=500', undefined, 400],
        ['GET', '/reminders?cursor=%%%', undefined, 400],
        ['GET', '/reminders?cursor=WyJ4IiwieSJd', undefined, 400],
        ['DELETE', '/reminders/not-a-uuid', undefined, 400],
        ['DELETE', '/reminders/00000000-0000-4000-8000-000000000001', undefined, 404],
      ];
      for (const [method, path, b, status] of cases) {
        const res = await request(method, path, { token: staff.token, body: b });
        expect(res.status, `${method} ${path} ${JSON.stringify(b)}`).to.equal(status);
        errorOf(res);
      }
    });
  });
});
