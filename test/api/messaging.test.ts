import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { notifyUnreadMessage } from '../../domain/messaging/notify-unread.js';
import { services } from '../../lib/services.js';
import { SseClient, type SseEvent } from '../scaling/sse-client.js';
import { testContext } from '../helpers/context.js';
import { createAppointment, createUser, mapPatient, type TestUser } from '../helpers/factories.js';
import { jobsFor } from '../helpers/jobs.js';
import { api, errorOf } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

interface Team {
  patient: TestUser;
  otherPatient: TestUser;
  doctor: TestUser;
  unmappedDoctor: TestUser;
  nurse: TestUser;
  staff: TestUser;
  admin: TestUser;
}

/** A patient with an account, their mapped doctor, and everyone who must not see their messages. */
async function team(): Promise<Team> {
  const [patient, otherPatient, doctor, unmappedDoctor, nurse, staff, admin] = await Promise.all([
    createUser('patient'),
    createUser('patient'),
    createUser('doctor'),
    createUser('doctor'),
    createUser('nurse'),
    createUser('staff'),
    createUser('admin'),
  ]);
  await mapPatient(patient.patientId!, doctor.id);
  return { patient, otherPatient, doctor, unmappedDoctor, nurse, staff, admin };
}

const stream = (user: TestUser) =>
  SseClient.open(
    `${testContext().baseUrl}/api/v1/messages/stream?access_token=${encodeURIComponent(user.token)}`,
  );

const data = (e: SseEvent) => JSON.parse(e.data) as Record<string, unknown>;

async function withConfig<T>(
  patch: Partial<ReturnType<typeof services>['config']['telehealth']>,
  fn: () => Promise<T>,
) {
  const t = services().config.telehealth;
  const saved = { ...t };
  Object.assign(t, patch);
  try {
    return await fn();
  } finally {
    Object.assign(t, saved);
  }
}

describe('messaging', () => {
  describe('conversations and access', () => {
    let t: Team;
    let conversationId: string;
    let messageId: string;

    before(async () => {
      t = await team();
      const res = await api.as(t.doctor.token).post('/conversations', {
        patientId: t.patient.patientId,
        participantIds: [t.nurse.id],
        subject: 'Results',
      });
      expect(res.status, res.text).to.equal(201);
      conversationId = res.body.id;
      const sent = await api.as(t.patient.token).post('/messages', { conversationId, body: 'Hello doctor' });
      expect(sent.status, sent.text).to.equal(201);
      messageId = sent.body.id;
    });

    it('opens a conversation (201) with the caller, the patient and the chosen nurse as participants', async () => {
      const list = await api.as(t.doctor.token).get('/conversations');
      const c = list.body.items.find((x: { id: string }) => x.id === conversationId);
      expect(c).to.include({ patientId: t.patient.patientId, subject: 'Results', unreadCount: 1 });
      expect(c.participants.map((p: { userId: string }) => p.userId).sort()).to.deep.equal(
        [t.doctor.id, t.patient.id, t.nurse.id].sort(),
      );
      expect(c.lastMessage).to.include({ id: messageId, body: 'Hello doctor', senderId: t.patient.id });
    });

    it('lets only the care team open conversations: 403 for patients and admins, 404 for an unmapped doctor', async () => {
      const body = { patientId: t.patient.patientId };
      expect((await api.as(t.patient.token).post('/conversations', body)).status).to.equal(403);
      expect((await api.as(t.admin.token).post('/conversations', body)).status).to.equal(403);
      const unmapped = await api.as(t.unmappedDoctor.token).post('/conversations', body);
      expect(unmapped.status).to.equal(404);
      expect(errorOf(unmapped).code).to.equal('not_found');
      expect((await api.as(t.staff.token).post('/conversations', body)).status).to.equal(201);
    });

    it('refuses participants outside the care team (404): an unmapped doctor, another patient, an admin', async () => {
      for (const outsider of [t.unmappedDoctor, t.otherPatient, t.admin]) {
        const res = await api
          .as(t.doctor.token)
          .post('/conversations', { patientId: t.patient.patientId, participantIds: [outsider.id] });
        expect(res.status, outsider.role).to.equal(404);
      }
    });

    it('answers every conversation route 404 to non-participants (other patient, unmapped doctor, staff, admin)', async () => {
      for (const outsider of [t.otherPatient, t.unmappedDoctor, t.staff, t.admin]) {
        const as = api.as(outsider.token);
        const results = [
          await as.get(`/conversations/${conversationId}/messages`),
          await as.post(`/conversations/${conversationId}/read`, {}),
          await as.post('/messages', { conversationId, body: 'let me in' }),
          await as.delete(`/messages/${messageId}`),
        ];
        expect(
          results.map((r) => r.status),
          outsider.role,
        ).to.deep.equal([404, 404, 404, 404]);
        const list = await as.get('/conversations');
        expect(list.body.items.map((c: { id: string }) => c.id)).not.to.include(conversationId);
        const unread = await as.get('/messages/unread');
        expect(unread.body.conversations.map((c: { id: string }) => c.id)).not.to.include(conversationId);
      }
    });

    it('lets every participant (patient, mapped doctor, nurse) read the messages (200)', async () => {
      for (const member of [t.patient, t.doctor, t.nurse]) {
        const res = await api.as(member.token).get(`/conversations/${conversationId}/messages`);
        expect(res.status, member.role).to.equal(200);
        expect(res.body.items.map((m: { id: string }) => m.id)).to.include(messageId);
      }
    });

    it('refuses a senderId in the body (400): the sender is always the caller', async () => {
      const res = await api
        .as(t.patient.token)
        .post('/messages', { conversationId, body: 'forged', senderId: t.doctor.id });
      expect(res.status).to.equal(400);
      expect(errorOf(res).code).to.equal('validation_failed');
      const sent = await api.as(t.nurse.token).post('/messages', { conversationId, body: 'from the nurse' });
      expect(sent.body.senderId).to.equal(t.nurse.id);
    });

    it('writes an audit row for each read of a conversation', async () => {
      const before = await testContext()
        .knex('auditEvents')
        .where({ entity: 'conversation', entityId: conversationId, action: 'read', actorId: t.nurse.id })
        .count<{ count: string }[]>('* as count');
      await api.as(t.nurse.token).get(`/conversations/${conversationId}/messages`);
      const rows = await testContext()
        .knex('auditEvents')
        .where({ entity: 'conversation', entityId: conversationId, action: 'read', actorId: t.nurse.id });
      expect(rows.length).to.equal(Number(before[0].count) + 1);
      expect(rows.at(-1)).to.include({
        patientId: t.patient.patientId,
        outcome: 'success',
        actorRole: 'nurse',
      });
      const sends = await testContext()
        .knex('auditEvents')
        .where({ entity: 'message', entityId: messageId, action: 'create' });
      expect(sends).to.have.length(1);
    });

    it('rejects bad input with 4xx envelopes', async () => {
      const as = api.as(t.patient.token);
      const cases: [unknown, number][] = [
        [{ conversationId, body: '' }, 400],
        [{ conversationId, body: 'x'.repeat(5001) }, 400],
        [{ conversationId, body: 'bell \u0007' }, 400],
        [{ conversationId, body: 'escape \u001b[31m' }, 400],
        [{ conversationId, body: '   \n ' }, 400],
        [{ conversationId, recipientId: t.doctor.id, body: 'both' }, 400],
        [{ body: 'neither' }, 400],
        [{ conversationId: 'not-a-uuid', body: 'x' }, 400],
        [{ conversationId: randomUUID(), body: 'unknown conversation' }, 404],
        [{ conversationId, body: 'x', reportId: randomUUID() }, 404],
      ];
      for (const [body, status] of cases) {
        const res = await as.post('/messages', body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(status);
        errorOf(res);
      }
      expect((await as.post('/messages', { conversationId, body: 'line 1\n\tline 2' })).status).to.equal(201);
      expect((await as.post('/messages', { conversationId, body: 'y'.repeat(5000) })).status).to.equal(201);
      expect((await as.get(`/conversations/${conversationId}/messages?limit=101`)).status).to.equal(400);
      expect((await as.get(`/conversations/${conversationId}/messages?cursor=nope`)).status).to.equal(400);
      expect(
        (await as.post(`/conversations/${conversationId}/read`, { messageId: randomUUID() })).status,
      ).to.equal(404);
      expect((await api.as(t.doctor.token).post('/conversations', { patientId: 'x' })).status).to.equal(400);
    });
  });

  describe('one-to-one conversations by recipient', () => {
    it('finds or opens one conversation per patient and care-team member, from either side (201)', async () => {
      const t = await team();
      const first = await api.as(t.patient.token).post('/messages', { recipientId: t.doctor.id, body: 'Hi' });
      expect(first.status, first.text).to.equal(201);
      const reply = await api
        .as(t.doctor.token)
        .post('/messages', { recipientId: t.patient.id, body: 'Hello' });
      expect(reply.body.conversationId).to.equal(first.body.conversationId);
      const concurrent = await Promise.all(
        [t.nurse, t.nurse, t.nurse].map((n, i) =>
          api.as(t.patient.token).post('/messages', { recipientId: n.id, body: `race ${i}` }),
        ),
      );
      expect(concurrent.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      expect(new Set(concurrent.map((r) => r.body.conversationId)).size).to.equal(1);
      const list = await api.as(t.patient.token).get('/conversations');
      expect(list.body.items).to.have.length(2);
    });

    it('counts a doctor with an appointment as care team (201), not one whose only booking was cancelled (404)', async () => {
      const t = await team();
      const [withVisit, cancelled] = await Promise.all([createUser('doctor'), createUser('doctor')]);
      await createAppointment(withVisit.id, t.patient.patientId!, 'completed');
      await createAppointment(cancelled.id, t.patient.patientId!, 'cancelled');
      const ok = await api
        .as(withVisit.token)
        .post('/messages', { recipientId: t.patient.id, body: 'follow-up' });
      expect(ok.status).to.equal(201);
      const no = await api
        .as(cancelled.token)
        .post('/messages', { recipientId: t.patient.id, body: 'hello' });
      expect(no.status).to.equal(404);
      expect(
        (await api.as(t.patient.token).post('/messages', { recipientId: withVisit.id, body: 'hi' })).body
          .conversationId,
      ).to.equal(ok.body.conversationId);
    });

    it('refuses recipients outside the care team (404) and admins altogether (403)', async () => {
      const t = await team();
      const cases: [TestUser, string, number][] = [
        [t.patient, t.unmappedDoctor.id, 404],
        [t.patient, t.otherPatient.id, 404],
        [t.patient, t.admin.id, 404],
        [t.patient, t.patient.id, 404],
        [t.unmappedDoctor, t.patient.id, 404],
        [t.doctor, t.otherPatient.id, 404],
        [t.doctor, t.nurse.id, 404],
        [t.patient, randomUUID(), 404],
        [t.admin, t.patient.id, 403],
      ];
      for (const [from, to, status] of cases) {
        const res = await api.as(from.token).post('/messages', { recipientId: to, body: 'hello?' });
        expect(res.status, `${from.role} → ${to}`).to.equal(status);
      }
      expect(
        (await api.as(t.staff.token).post('/messages', { recipientId: t.patient.id, body: 'desk' })).status,
      ).to.equal(201);
    });
  });

  describe('reading and unread counts', () => {
    it('counts unread messages per participant and moves the read position only forward', async () => {
      const t = await team();
      const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
      const conversationId = open.body.id;
      const ids: string[] = [];
      for (const body of ['one', 'two', 'three']) {
        ids.push((await api.as(t.doctor.token).post('/messages', { conversationId, body })).body.id);
      }
      const unread = await api.as(t.patient.token).get('/messages/unread');
      expect(unread.body).to.deep.equal({
        count: 3,
        conversations: [{ id: conversationId, unreadCount: 3 }],
      });
      expect((await api.as(t.doctor.token).get('/messages/unread')).body.count).to.equal(0);

      const read2 = await api
        .as(t.patient.token)
        .post(`/conversations/${conversationId}/read`, { messageId: ids[1] });
      expect(read2.body).to.deep.equal({ conversationId, lastReadMessageId: ids[1], unreadCount: 1 });
      const back = await api
        .as(t.patient.token)
        .post(`/conversations/${conversationId}/read`, { messageId: ids[0] });
      expect(back.body).to.deep.equal({ conversationId, lastReadMessageId: ids[1], unreadCount: 1 });
      const all = await api.as(t.patient.token).post(`/conversations/${conversationId}/read`, {});
      expect(all.body).to.deep.equal({ conversationId, lastReadMessageId: ids[2], unreadCount: 0 });
      expect((await api.as(t.patient.token).get('/messages/unread')).body).to.deep.equal({
        count: 0,
        conversations: [],
      });
    });

    it('keeps unread counts exact under 40 concurrent sends and 12 concurrent reads', async () => {
      await withConfig({ messageRateLimitPerMinute: 1000 }, concurrentSendsAndReads);
    });

    async function concurrentSendsAndReads() {
      const t = await team();
      const open = await api.as(t.doctor.token).post('/conversations', {
        patientId: t.patient.patientId,
        participantIds: [t.nurse.id],
      });
      const conversationId = open.body.id;
      const seed = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          api.as(t.doctor.token).post('/messages', { conversationId, body: `seed ${i}` }),
        ),
      );
      const [sends, reads] = await Promise.all([
        Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            api
              .as(i % 2 ? t.doctor.token : t.nurse.token)
              .post('/messages', { conversationId, body: `m ${i}` }),
          ),
        ),
        Promise.all(
          seed.map((s) =>
            api.as(t.patient.token).post(`/conversations/${conversationId}/read`, { messageId: s.body.id }),
          ),
        ),
      ]);
      expect(sends.every((r) => r.status === 201)).to.equal(true);
      expect(reads.every((r) => r.status === 200)).to.equal(true);
      const knex = testContext().knex;
      const seqOf = async (id: string) => Number((await knex('messages').where({ id }).first('seq')).seq);
      // The read position is the furthest message read, whatever order the reads committed in.
      const furthest = Math.max(...(await Promise.all(seed.map((s) => seqOf(s.body.id)))));
      const position = await knex('conversationParticipants')
        .where({ conversationId, userId: t.patient.id })
        .first();
      expect(Number(position.lastReadSeq)).to.equal(furthest);
      const seqs = await knex('messages').where({ conversationId }).orderBy('seq').pluck('seq');
      expect(seqs.map(Number)).to.deep.equal(Array.from({ length: 52 }, (_, i) => i + 1));
      const expected = 52 - furthest;
      const unread = await api.as(t.patient.token).get('/messages/unread');
      expect(unread.body).to.deep.equal({
        count: expected,
        conversations: [{ id: conversationId, unreadCount: expected }],
      });
      // The doctor's unread are the nurse's 20 messages (their own never count).
      expect((await api.as(t.doctor.token).get('/messages/unread')).body.count).to.equal(20);
    }

    it('pages newest first by cursor, and oldest first after= a message', async () => {
      const t = await team();
      const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
      const conversationId = open.body.id;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await api.as(t.doctor.token).post('/messages', { conversationId, body: `p${i}` })).body.id);
      const p1 = await api.as(t.patient.token).get(`/conversations/${conversationId}/messages?limit=2`);
      expect(p1.body.items.map((m: { id: string }) => m.id)).to.deep.equal([ids[4], ids[3]]);
      const p2 = await api
        .as(t.patient.token)
        .get(`/conversations/${conversationId}/messages?limit=2&cursor=${p1.body.nextCursor}`);
      expect(p2.body.items.map((m: { id: string }) => m.id)).to.deep.equal([ids[2], ids[1]]);
      const after = await api
        .as(t.patient.token)
        .get(`/conversations/${conversationId}/messages?after=${ids[1]}&limit=2`);
      expect(after.body.items.map((m: { id: string }) => m.id)).to.deep.equal([ids[2], ids[3]]);
      const rest = await api
        .as(t.patient.token)
        .get(
          `/conversations/${conversationId}/messages?after=${ids[1]}&limit=2&cursor=${after.body.nextCursor}`,
        );
      expect(rest.body).to.deep.equal({ items: [rest.body.items[0]], nextCursor: null });
      expect(rest.body.items[0].id).to.equal(ids[4]);
    });
  });

  describe('deleting', () => {
    it('lets the sender tombstone a message within 5 minutes (200, idempotent); others get 404; later 409', async () => {
      const t = await team();
      const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
      const conversationId = open.body.id;
      const m = (await api.as(t.doctor.token).post('/messages', { conversationId, body: 'oops' })).body;
      expect((await api.as(t.patient.token).delete(`/messages/${m.id}`)).status).to.equal(404);
      const del = await api.as(t.doctor.token).delete(`/messages/${m.id}`);
      expect(del.status).to.equal(200);
      expect(del.body).to.include({ id: m.id, body: '' });
      expect(del.body.deletedAt).to.be.a('string');
      expect((await api.as(t.doctor.token).delete(`/messages/${m.id}`)).body).to.deep.equal(del.body);
      const row = await testContext().knex('messages').where({ id: m.id }).first();
      expect(row.body).to.equal(null);
      // A deleted message never counts as unread.
      expect((await api.as(t.patient.token).get('/messages/unread')).body.count).to.equal(0);

      const old = (await api.as(t.doctor.token).post('/messages', { conversationId, body: 'kept' })).body;
      await testContext()
        .knex('messages')
        .where({ id: old.id })
        .update({ createdAt: new Date(Date.now() - 5 * 60_000 - 1000) });
      const late = await api.as(t.doctor.token).delete(`/messages/${old.id}`);
      expect(late.status).to.equal(409);
      expect(errorOf(late).code).to.equal('delete_window_passed');
    });
  });

  describe('rate limit', () => {
    it('answers 429 once a user sent MESSAGE_RATE_LIMIT_PER_MINUTE messages in a minute', async () => {
      const t = await team();
      const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
      await withConfig({ messageRateLimitPerMinute: 3 }, async () => {
        const statuses = [];
        for (let i = 0; i < 4; i++)
          statuses.push(
            (await api.as(t.doctor.token).post('/messages', { conversationId: open.body.id, body: `r${i}` }))
              .status,
          );
        // The window is a wall-clock minute: a boundary between the sends restarts the count.
        expect(statuses.slice(0, 3)).to.deep.equal([201, 201, 201]);
        const res = await api
          .as(t.doctor.token)
          .post('/messages', { conversationId: open.body.id, body: 'r5' });
        expect([statuses[3], res.status]).to.include(429);
        // Another user is not affected.
        expect(
          (await api.as(t.patient.token).post('/messages', { conversationId: open.body.id, body: 'ok' }))
            .status,
        ).to.equal(201);
      });
    });
  });

  describe('email for the offline', () => {
    it('sends one email per conversation and recipient when messages stay unread, without their text', async () => {
      const t = await team();
      const secret = `secret-${randomBytes(4).toString('hex')}`;
      await withConfig({ messageEmailDelayMinutes: 0.02 }, async () => {
        const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
        const conversationId = open.body.id;
        for (let i = 0; i < 3; i++)
          await api.as(t.doctor.token).post('/messages', { conversationId, body: `${secret} ${i}` });
        const key = `notify_unread_message:${conversationId}:${t.patient.id}`;
        expect(await jobsFor(key)).to.have.length(1);
        const smtp = testContext().smtp;
        await waitUntil(() => smtp.to(t.patient.email).length > 0, 15_000, 'the unread-message email');
        await waitUntil(async () => (await jobsFor(key)).length === 0, 15_000, 'the job to finish');
        // Running the task again (a retry, a duplicate) sends nothing more.
        expect(await notifyUnreadMessage(conversationId, t.patient.id)).to.equal(false);
        const mails = smtp.to(t.patient.email);
        expect(mails).to.have.length(1);
        expect(mails[0].text).to.include(`http://clinicflow.test/messages/${conversationId}`);
        expect(mails[0].text + mails[0].html + mails[0].subject).not.to.include(secret);
        // The doctor sent them: nothing for the doctor.
        expect(smtp.to(t.doctor.email)).to.have.length(0);
      });
    });

    it('drops the email job in the read transaction when the recipient reads in time', async () => {
      const t = await team();
      await withConfig({ messageEmailDelayMinutes: 10 }, async () => {
        const open = await api.as(t.doctor.token).post('/conversations', { patientId: t.patient.patientId });
        const conversationId = open.body.id;
        const key = `notify_unread_message:${conversationId}:${t.patient.id}`;
        const first = await api.as(t.doctor.token).post('/messages', { conversationId, body: 'a' });
        const [job] = await jobsFor(key);
        expect(new Date(job.run_at).getTime()).to.be.closeTo(Date.now() + 10 * 60_000, 30_000);
        await api.as(t.doctor.token).post('/messages', { conversationId, body: 'b' });
        const [kept] = await jobsFor(key);
        expect(kept.run_at.getTime(), 'a later message does not push the email back').to.equal(
          job.run_at.getTime(),
        );
        // Reading only the first moves the email to the second message; reading all removes it.
        await api
          .as(t.patient.token)
          .post(`/conversations/${conversationId}/read`, { messageId: first.body.id });
        expect(await jobsFor(key)).to.have.length(1);
        await api.as(t.patient.token).post(`/conversations/${conversationId}/read`, {});
        expect(await jobsFor(key)).to.deep.equal([]);
        // Even if a copy ran now, nothing is unread: no email.
        expect(await notifyUnreadMessage(conversationId, t.patient.id)).to.equal(false);
        expect(testContext().smtp.to(t.patient.email)).to.have.length(0);
      });
    });
  });

  describe('live delivery', () => {
    it('streams message and read events to participants only, re-reading the text for each (SSE)', async () => {
      const t = await team();
      const open = await api
        .as(t.doctor.token)
        .post('/conversations', { patientId: t.patient.patientId, participantIds: [t.nurse.id] });
      const conversationId = open.body.id;
      const [patientStream, doctorStream, outsiderStream] = await Promise.all([
        stream(t.patient),
        stream(t.doctor),
        stream(t.otherPatient),
      ]);
      try {
        const resync = await patientStream.waitFor((e) => e.event === 'resync');
        expect(data(resync)).to.deep.equal({ count: 0, conversations: [] });
        const sent = await api.as(t.doctor.token).post('/messages', { conversationId, body: 'live hello' });
        const got = await patientStream.waitFor((e) => e.event === 'message');
        expect(data(got)).to.deep.equal(sent.body);
        const read = await api.as(t.patient.token).post(`/conversations/${conversationId}/read`, {});
        expect(read.status).to.equal(200);
        const readEvent = await doctorStream.waitFor((e) => e.event === 'read');
        expect(data(readEvent)).to.deep.equal({
          conversationId,
          userId: t.patient.id,
          lastReadMessageId: sent.body.id,
        });
        // The outsider's stream gets its own messages, and never the conversation above.
        const own = await api
          .as(t.otherPatient.token)
          .post('/messages', { recipientId: t.nurse.id, body: 'mine' });
        await outsiderStream.waitFor((e) => e.event === 'message' && data(e).id === own.body.id);
        expect(
          outsiderStream.events.filter((e) => e.event !== 'resync').map((e) => data(e).conversationId),
        ).to.deep.equal([own.body.conversationId]);
        const streamed = await testContext().knex('auditEvents').where({
          entity: 'conversation',
          entityId: conversationId,
          action: 'stream',
          actorId: t.patient.id,
        });
        expect(streamed).to.have.length(1);
      } finally {
        [patientStream, doctorStream, outsiderStream].forEach((s) => s.close());
      }
    });

    it('carries only ids in NOTIFY payloads, never the text', async () => {
      const t = await team();
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: testContext().databaseUrl });
      await client.connect();
      const payloads: string[] = [];
      client.on('notification', (n) => payloads.push(n.payload ?? ''));
      await client.query('LISTEN message_events');
      try {
        const body = `private ${randomBytes(4).toString('hex')}`;
        const sent = await api.as(t.patient.token).post('/messages', { recipientId: t.doctor.id, body });
        await waitUntil(() => payloads.some((p) => p.includes(sent.body.id)), 5_000, 'the NOTIFY');
        expect(payloads.join('\n')).not.to.include(body);
        expect(JSON.parse(payloads.find((p) => p.includes(sent.body.id))!)).to.deep.equal({
          type: 'message',
          conversationId: sent.body.conversationId,
          messageId: sent.body.id,
          userIds: JSON.parse(payloads.find((p) => p.includes(sent.body.id))!).userIds,
        });
      } finally {
        await client.end();
      }
    });
  });

  describe('attachments', () => {
    it("attaches a report of the conversation's patient, which participants may then read", async () => {
      const t = await team();
      const knex = testContext().knex;
      const insertReport = async (patientId: string) =>
        (
          await knex('reports')
            .insert({
              patientId,
              title: 'Blood count',
              kind: 'lab',
              contentType: 'application/pdf',
              size: 10,
              sha256: 'a'.repeat(64),
              storageKey: `reports/${patientId}/${randomUUID()}`,
              thumbnailStatus: 'none',
              uploadedBy: t.doctor.id,
            })
            .returning('id')
        )[0].id as string;
      const report = await insertReport(t.patient.patientId!);
      const foreign = await insertReport(t.otherPatient.patientId!);
      const open = await api
        .as(t.doctor.token)
        .post('/conversations', { patientId: t.patient.patientId, participantIds: [t.staff.id] });
      const conversationId = open.body.id;
      expect(
        (await api.as(t.staff.token).get(`/reports/${report}`)).status,
        'staff may not read reports',
      ).to.equal(403);
      expect(
        (await api.as(t.doctor.token).post('/messages', { conversationId, body: 'see', reportId: foreign }))
          .status,
      ).to.equal(404);
      const sent = await api
        .as(t.doctor.token)
        .post('/messages', { conversationId, body: 'see', reportId: report });
      expect(sent.status).to.equal(201);
      expect(sent.body.reportId).to.equal(report);
      expect((await api.as(t.staff.token).get(`/reports/${report}`)).status, 'participant').to.equal(200);
      expect((await api.as(t.nurse.token).get(`/reports/${report}`)).status, 'nurse: policy').to.equal(200);
      expect((await api.as(t.unmappedDoctor.token).get(`/reports/${report}`)).status).to.equal(404);
      // Deleting the message takes the attachment with it.
      await api.as(t.doctor.token).delete(`/messages/${sent.body.id}`);
      expect((await api.as(t.staff.token).get(`/reports/${report}`)).status).to.equal(403);
    });
  });
});
