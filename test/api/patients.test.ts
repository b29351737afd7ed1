import { expect } from 'chai';
import { insertAppointment } from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

describe('patients', () => {
  let staff: TestUser;
  let admin: TestUser;

  before(async () => {
    [staff, admin] = await Promise.all([createUser('staff'), createUser('admin')]);
  });

  describe('POST /patients', () => {
    it('registers a walk-in patient without an account, defaulting timeZone to CLINIC_TIME_ZONE (201)', async () => {
      const res = await api.as(staff.token).post('/patients', {
        name: '  Ada Lovelace ',
        birthDate: '1990-12-10',
        gender: 'female',
        phone: '+44 20 7946 0001',
        email: 'Ada@Example.org',
        address: '12 St James Sq, London',
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({
        name: 'Ada Lovelace',
        birthDate: '1990-12-10',
        email: 'ada@example.org',
        timeZone: 'UTC',
      });
      expect(res.body).to.not.have.property('userId');
      expect(res.body.age).to.be.a('number').and.to.be.at.least(35);
      const row = await testContext().knex('patients').where({ id: res.body.id }).first();
      expect(row.createdBy).to.equal(staff.id);
      expect(row.userId).to.equal(null);
    });

    it('accepts an age instead of a birth date and stores an estimated birth date (201)', async () => {
      const res = await api
        .as(staff.token)
        .post('/patients', { name: 'Aged Forty', age: 40, timeZone: 'Europe/Berlin' });
      expect(res.status).to.equal(201);
      expect(res.body.age).to.equal(40);
      expect(res.body.timeZone).to.equal('Europe/Berlin');
      expect(Number(res.body.birthDate.slice(0, 4))).to.equal(new Date().getUTCFullYear() - 40);
    });

    it('maps a patient registered by a doctor to that doctor, who can then see them (201, 200)', async () => {
      const doctor = await createUser('doctor');
      const res = await api.as(doctor.token).post('/patients', { name: 'Seen By Doctor' });
      expect(res.status).to.equal(201);
      expect((await api.as(doctor.token).get(`/patients/${res.body.id}`)).status).to.equal(200);
      const doctors = await api.as(doctor.token).get(`/patients/${res.body.id}/doctors`);
      expect(doctors.body.items.map((d: { id: string }) => d.id)).to.deep.equal([doctor.id]);
    });

    it('rejects bad input with a 400 envelope naming the field', async () => {
      const cases: [unknown, string][] = [
        [{}, '/name'],
        [{ name: '' }, '/name'],
        [{ name: 'x', birthDate: '1990-02-30' }, '/birthDate'],
        [{ name: 'x', birthDate: '2999-01-01' }, '/birthDate'],
        [{ name: 'x', age: -1 }, '/age'],
        [{ name: 'x', age: 30, birthDate: '1990-01-01' }, '/age'],
        [{ name: 'x', timeZone: 'Mars/Olympus' }, '/timeZone'],
        [{ name: 'x', email: 'not-an-email' }, '/email'],
        [{ name: 'x', phone: 'call me' }, '/phone'],
        [{ name: 'x', userId: staff.id }, '/userId'],
      ];
      for (const [body, path] of cases) {
        const res = await api.as(staff.token).post('/patients', body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(
          errorOf(res).details?.map((d) => d.path),
          JSON.stringify(body),
        ).to.include(path);
      }
      const malformed = await api.as(staff.token).post('/patients', undefined, {
        rawBody: '{"name":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).to.equal(400);
      expect(errorOf(malformed).code).to.equal('malformed_json');
    });
  });

  describe('GET /patients', () => {
    it('searches by name and by phone digits, sorted by name, with cursor pagination', async () => {
      const tag = `zq${Date.now().toString(36)}`;
      const names = ['Charlie', 'alice', 'Bob'].map((n) => `${n} ${tag}`);
      for (const [i, name] of names.entries()) {
        await api.as(staff.token).post('/patients', { name, phone: `+1 (555) 01${i}-${tag.length}${i}99` });
      }
      const first = await api.as(staff.token).get(`/patients?name=${tag}&limit=2`);
      expect(first.status).to.equal(200);
      expect(first.body.items.map((p: { name: string }) => p.name)).to.deep.equal([
        `alice ${tag}`,
        `Bob ${tag}`,
      ]);
      expect(first.body.nextCursor).to.be.a('string');
      const second = await api
        .as(staff.token)
        .get(`/patients?name=${tag}&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((p: { name: string }) => p.name)).to.deep.equal([`Charlie ${tag}`]);
      expect(second.body.nextCursor).to.equal(null);

      const byQ = await api.as(staff.token).get(`/patients?q=${tag.toUpperCase()}`);
      expect(byQ.body.items).to.have.length(3);
      const alice = first.body.items[0];
      const byPhone = await api
        .as(staff.token)
        .get(`/patients?phone=${encodeURIComponent(alice.phone.replace(/[^0-9]/g, ''))}`);
      expect(byPhone.body.items.map((p: { id: string }) => p.id)).to.include(alice.id);
    });

    it('shows a patient only their own profile, and a doctor only patients in their care', async () => {
      const [patient, doctor] = await Promise.all([createUser('patient'), createUser('doctor')]);
      await createWalkInPatient({ name: 'Someone Else' });
      const mine = await api.as(patient.token).get('/patients?limit=100');
      expect(mine.body.items.map((p: { id: string }) => p.id)).to.deep.equal([patient.patientId]);
      expect(mine.body.items[0].userId).to.equal(patient.id);
      const none = await api.as(doctor.token).get('/patients');
      expect(none.body.items).to.deep.equal([]);
      await insertAppointment(doctor.id, patient.patientId!);
      const cared = await api.as(doctor.token).get('/patients');
      expect(cared.body.items.map((p: { id: string }) => p.id)).to.deep.equal([patient.patientId]);
    });

    it('rejects a tampered cursor and a limit above 100 (400)', async () => {
      expect((await api.as(staff.token).get('/patients?cursor=bm9wZQ')).status).to.equal(400);
      expect((await api.as(staff.token).get('/patients?limit=101')).status).to.equal(400);
      expect((await api.as(staff.token).get('/patients?sort=name')).status).to.equal(400);
    });
  });

  describe('GET/PATCH /patients/:id', () => {
    it('lets a patient change their contact details but not their birth date or email (200, 403)', async () => {
      const patient = await createUser('patient');
      const ok = await api
        .as(patient.token)
        .patch(`/patients/${patient.patientId}`, { phone: '+1 555 0100', timeZone: 'America/New_York' });
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ phone: '+1 555 0100', timeZone: 'America/New_York' });
      const denied = await api
        .as(patient.token)
        .patch(`/patients/${patient.patientId}`, { birthDate: '1980-01-01' });
      expect(denied.status).to.equal(403);
      expect(errorOf(denied).message).to.contain('birthDate');
    });

    it('lets staff clear optional fields with null (200)', async () => {
      const p = await createWalkInPatient({ phone: '+1 555 0199', address: 'Somewhere' });
      const res = await api
        .as(staff.token)
        .patch(`/patients/${p.id}`, { phone: null, address: null, birthDate: '2001-05-06' });
      expect(res.status).to.equal(200);
      expect(res.body).to.not.have.property('phone');
      expect(res.body).to.not.have.property('address');
      expect(res.body.birthDate).to.equal('2001-05-06');
    });

    it('rejects bad input on PATCH and GET (400)', async () => {
      const p = await createWalkInPatient();
      for (const body of [
        {},
        { name: null },
        { timeZone: 'Nowhere/Land' },
        { rating: 5 },
        { birthDate: 'yesterday' },
      ]) {
        const res = await api.as(staff.token).patch(`/patients/${p.id}`, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        errorOf(res);
      }
      expect((await api.as(staff.token).get('/patients/not-a-uuid')).status).to.equal(400);
      expect((await api.as(staff.token).patch('/patients/not-a-uuid', { name: 'x' })).status).to.equal(400);
    });

    it('answers 404 for an unknown patient', async () => {
      const res = await api.as(staff.token).get('/patients/00000000-0000-4000-8000-000000000000');
      expect(res.status).to.equal(404);
      expect(errorOf(res).code).to.equal('not_found');
    });
  });

  describe('DELETE /patients/:id', () => {
    it('soft-deletes: later reads answer 404 while visits and the row stay (204)', async () => {
      const nurse = await createUser('nurse');
      const p = await createWalkInPatient();
      const visit = await api.as(nurse.token).post('/visits', { patientId: p.id, complaint: 'fever' });
      expect(visit.status).to.equal(201);
      const del = await api.as(admin.token).delete(`/patients/${p.id}`);
      expect(del.status).to.equal(204);
      expect((await api.as(admin.token).get(`/patients/${p.id}`)).status).to.equal(404);
      expect((await api.as(admin.token).get(`/patients/${p.id}/visits`)).status).to.equal(404);
      expect((await api.as(admin.token).delete(`/patients/${p.id}`)).status).to.equal(404);
      const row = await testContext().knex('patients').where({ id: p.id }).first();
      expect(row.deletedAt).to.be.instanceOf(Date);
      expect(
        await testContext().knex('visits').where({ patientId: p.id }).count('* as n').first(),
      ).to.deep.equal({ n: 1 });
    });

    it('refuses while the patient has an upcoming appointment (409)', async () => {
      const doctor = await createUser('doctor');
      const p = await createWalkInPatient();
      await insertAppointment(doctor.id, p.id, {
        status: 'confirmed',
        startsAt: new Date(Date.now() + 86_400_000),
      });
      const res = await api.as(admin.token).delete(`/patients/${p.id}`);
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('conflict');
    });
  });
});
