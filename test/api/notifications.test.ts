import { expect } from 'chai';
import { addJob } from '../../db/jobs.js';
import { notifyUser } from '../../domain/notifications/notify-user.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

async function notify(user: TestUser, title: string, dedupeKey?: string) {
  return notifyUser(testContext().knex, {
    userId: user.id,
    type: 'system',
    title,
    body: `${title} body`,
    dedupeKey,
  });
}

describe('notifications API', () => {
  let admin: TestUser;

  before(async () => {
    admin = await createUser('admin');
  });

  it('lists own notifications newest first with the unread count, pages with a cursor, filters ?unread=true (200)', async () => {
    const [me, someoneElse] = await Promise.all([createUser('patient'), createUser('patient')]);
    for (const t of ['one', 'two', 'three']) await notify(me, t);
    await notify(someoneElse, 'not yours');
    const first = await api.as(me.token).get('/notifications?limit=2');
    expect(first.status).to.equal(200);
    expect(first.body.items.map((n: { title: string }) => n.title)).to.deep.equal(['three', 'two']);
    expect(first.body.unreadCount).to.equal(3);
    expect(first.body.items[0]).to.include({ type: 'system', body: 'three body', read: false, readAt: null });
    const second = await api.as(me.token).get(`/notifications?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((n: { title: string }) => n.title)).to.deep.equal(['one']);
    expect(second.body.nextCursor).to.equal(null);

    await api.as(me.token).post(`/notifications/${first.body.items[0].id}/read`);
    const unread = await api.as(me.token).get('/notifications?unread=true');
    expect(unread.body.items.map((n: { title: string }) => n.title)).to.deep.equal(['two', 'one']);
    expect(unread.body.unreadCount).to.equal(2);
    expect((await api.as(me.token).get('/notifications/unread-count')).body).to.deep.equal({ count: 2 });
  });

  it('notifyUser adds nothing for a dedupe key already used', async () => {
    const me = await createUser('staff');
    const key = `test:${me.id}`;
    expect(await notify(me, 'once', key)).to.include({ title: 'once' });
    expect(await notify(me, 'twice', key)).to.equal(null);
    expect((await api.as(me.token).get('/notifications')).body.items).to.have.length(1);
  });

  it('marks one read (200, idempotent) and answers 404 for someone else’s', async () => {
    const [me, other] = await Promise.all([createUser('nurse'), createUser('nurse')]);
    const n = (await notify(me, 'read me'))!;
    const res = await api.as(me.token).post(`/notifications/${n.id}/read`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: n.id, read: true });
    const again = await api.as(me.token).post(`/notifications/${n.id}/read`);
    expect(again.body.readAt).to.equal(res.body.readAt);
    const theirs = await api.as(other.token).post(`/notifications/${n.id}/read`);
    expect(theirs.status).to.equal(404);
    expect(errorOf(theirs).code).to.equal('not_found');
  });

  it('marks all own unread read and reports how many (200)', async () => {
    const [me, other] = await Promise.all([createUser('doctor'), createUser('doctor')]);
    await Promise.all([notify(me, 'a'), notify(me, 'b'), notify(other, 'c')]);
    const res = await api.as(me.token).post('/notifications/read-all');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ updated: 2 });
    expect((await api.as(me.token).post('/notifications/read-all')).body).to.deep.equal({ updated: 0 });
    expect((await api.as(other.token).get('/notifications/unread-count')).body).to.deep.equal({ count: 1 });
  });

  it('fans an admin broadcast to a role out by a job: every active user of the role once, with email (202)', async () => {
    const nurses = await Promise.all([createUser('nurse'), createUser('nurse'), createUser('nurse')]);
    const suspended = await createUser('nurse', { status: 'suspended' });
    const staff = await createUser('staff');
    const title = `Fire drill ${Date.now()}`;
    const res = await api
      .as(admin.token)
      .post('/notifications', { role: 'nurse', title, body: 'At 3 pm, meet at exit B.', email: true });
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ role: 'nurse', title, type: 'system', email: true, status: 'queued' });

    const { smtp, knex } = testContext();
    await Promise.all(nurses.map((n) => smtp.waitFor(n.email, (m) => m.subject === title, 15_000)));
    for (const n of nurses) {
      const items = (await api.as(n.token).get('/notifications')).body.items;
      expect(items.filter((i: { title: string }) => i.title === title)).to.have.length(1);
      expect(items[0].data).to.deep.equal({ broadcastId: res.body.id });
    }
    const broadcast = await waitUntil(async () => {
      const b = await knex('notificationBroadcasts').where({ id: res.body.id }).first();
      return b.status === 'done' ? b : null;
    });
    expect(broadcast.recipientCount).to.be.at.least(3);

    // A retried job (same broadcast queued again) adds no duplicates.
    await knex('notificationBroadcasts').where({ id: res.body.id }).update({ status: 'queued' });
    await addJob(knex, 'fan_out_notification', { broadcastId: res.body.id });
    await drainJobs('fan_out_notification');
    await drainJobs('send_email');
    const rows = await knex('notifications')
      .whereIn(
        'userId',
        nurses.map((n) => n.id),
      )
      .where('title', title);
    expect(rows).to.have.length(3);
    expect(nurses.map((n) => smtp.to(n.email).filter((m) => m.subject === title).length)).to.deep.equal([
      1, 1, 1,
    ]);
    expect(await knex('notifications').where({ userId: suspended.id, title })).to.deep.equal([]);
    expect(await knex('notifications').where({ userId: staff.id, title })).to.deep.equal([]);
  });

  it('sends to one user only when userId is given, super-admins included (202)', async () => {
    const [target, bystander, superAdmin] = await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('super-admin'),
    ]);
    const res = await api
      .as(superAdmin.token)
      .post('/notifications', { userId: target.id, title: 'Just you', body: 'Hello', type: 'custom' });
    expect(res.status).to.equal(202);
    await drainJobs('fan_out_notification');
    const items = await waitUntil(async () => {
      const b = (await api.as(target.token).get('/notifications')).body.items;
      return b.length ? b : null;
    });
    expect(items[0]).to.include({ title: 'Just you', type: 'custom' });
    expect((await api.as(bystander.token).get('/notifications')).body.items).to.deep.equal([]);
  });

  describe('access matrix', () => {
    it('lets every role use its own list, count, read and read-all (200); only admins send (202), others 403; no token 401', async () => {
      const users = await Promise.all(
        (['patient', 'patient', 'doctor', 'nurse', 'staff', 'admin'] as const).map((r) => createUser(r)),
      );
      const [own, other] = users;
      const mine = (await notify(own, 'mine'))!;
      for (const u of users) {
        expect((await api.as(u.token).get('/notifications')).status, u.role).to.equal(200);
        expect((await api.as(u.token).get('/notifications/unread-count')).status, u.role).to.equal(200);
        expect((await api.as(u.token).post('/notifications/read-all')).status, u.role).to.equal(200);
        const readMine = await api.as(u.token).post(`/notifications/${mine.id}/read`);
        expect(readMine.status, u.role).to.equal(u === own ? 200 : 404);
        const send = await api
          .as(u.token)
          .post('/notifications', { userId: other.id, title: 't', body: 'b' });
        expect(send.status, u.role).to.equal(u.role === 'admin' ? 202 : 403);
      }
      for (const [m, p] of [
        ['GET', '/notifications'],
        ['GET', '/notifications/unread-count'],
        ['POST', '/notifications/read-all'],
        ['POST', `/notifications/${mine.id}/read`],
        ['POST', '/notifications'],
      ]) {
        expect((await request(m, p)).status, `${m} ${p}`).to.equal(401);
      }
    });
  });

  describe('bad input', () => {
    it('answers 4xx in the error envelope on every route', async () => {
      const me = await createUser('patient');
      const cases: [string, string, unknown, string, number][] = [
        ['GET', '/notifications?unread=maybe', undefined, me.token, 400],
        ['GET', '/notifications?limit=0', undefined, me.token, 400],
        ['GET', '/notifications?cursor=garbage', undefined, me.token, 400],
        ['GET', '/notifications?cursor=WyJ4IiwieSJd', undefined, me.token, 400],
        ['GET', '/notifications/unread-count?x=1', undefined, me.token, 400],
        ['POST', '/notifications/not-a-uuid/read', undefined, me.token, 400],
        ['POST', '/notifications/00000000-0000-4000-8000-000000000001/read', undefined, me.token, 404],
        ['POST', '/notifications/read-all', { all: true }, me.token, 400],
        ['POST', '/notifications', { title: 't', body: 'b' }, admin.token, 400],
        ['POST', '/notifications', { userId: me.id, role: 'nurse', title: 't', body: 'b' }, admin.token, 400],
        ['POST', '/notifications', { role: 'janitor', title: 't', body: 'b' }, admin.token, 400],
        ['POST', '/notifications', { role: 'nurse', title: '', body: 'b' }, admin.token, 400],
        ['POST', '/notifications', { role: 'nurse', title: 't' }, admin.token, 400],
        [
          'POST',
          '/notifications',
          { role: 'nurse', title: 't', body: 'b', type: 'payment' },
          admin.token,
          400,
        ],
        [
          'POST',
          '/notifications',
          { role: 'nurse', title: 't', body: 'b', status: 'done' },
          admin.token,
          400,
        ],
        ['POST', '/notifications', { userId: 'nope', title: 't', body: 'b' }, admin.token, 400],
        [
          'POST',
          '/notifications',
          { userId: '00000000-0000-4000-8000-000000000001', title: 't', body: 'b' },
          admin.token,
          404,
        ],
      ];
      for (const [method, path, body, token, status] of cases) {
        const res = await request(method, path, { token, body });
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).to.equal(status);
        errorOf(res);
      }
    });
  });
});
