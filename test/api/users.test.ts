import { expect } from 'chai';
import type { Role } from '../../domain/auth/actor.js';
import { testContext } from '../helpers/context.js';
import { createUser, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { api, errorOf, type TestResponse } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';

const anon = api.as();
const PASSWORD = 'a perfectly fine password';

function expectError(res: TestResponse, status: number, code: string) {
  expect(res.status, res.text).to.equal(status);
  expect(errorOf(res).code).to.equal(code);
}

const login = (email: string, password: string) => anon.post('/auth/login', { email, password });

describe('users', () => {
  let superAdmin: TestUser;
  let admin: TestUser;

  before(async () => {
    superAdmin = await createUser('super-admin');
    admin = await createUser('admin', { adminRoles: ['appointment-manager'] });
  });

  describe('GET/PATCH /users/me', () => {
    it('returns the caller with the ids of their role and never the password hash', async () => {
      const patient = await createUser('patient');
      const doctor = await createUser('doctor');
      const p = await api.as(patient.token).get('/users/me');
      expect(p.status).to.equal(200);
      expect(p.body).to.include({
        id: patient.id,
        role: 'patient',
        patientId: patient.patientId,
        status: 'active',
        emailVerified: true,
      });
      expect(p.body).to.not.have.any.keys('passwordHash', 'tokenGeneration', 'doctorId');
      const d = await api.as(doctor.token).get('/users/me');
      expect(d.body).to.include({ id: doctor.id, role: 'doctor', doctorId: doctor.id });
      expect(d.body).to.not.have.property('patientId');
      const a = await api.as(admin.token).get('/users/me');
      expect(a.body.adminRoles).to.deep.equal(['appointment-manager']);
      expect(a.body).to.have.property('avatarUrl', null);
    });

    it('updates name, phone and gender, and a patient time zone on their patient profile', async () => {
      const patient = await createUser('patient');
      const res = await api.as(patient.token).patch('/users/me', {
        name: 'Renamed',
        phone: '+1 555 0100',
        gender: 'female',
        timeZone: 'Europe/Berlin',
      });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({
        name: 'Renamed',
        phone: '+1 555 0100',
        gender: 'female',
        timeZone: 'Europe/Berlin',
      });
      const profile = await testContext().knex('patients').where({ id: patient.patientId }).first();
      expect(profile).to.include({ name: 'Renamed', phone: '+1 555 0100', timeZone: 'Europe/Berlin' });
      const cleared = await api.as(patient.token).patch('/users/me', { phone: null });
      expect(cleared.body.phone).to.equal(null);
    });

    it('refuses role, status, email, emailVerified and adminRoles (400), and leaves the account as it was', async () => {
      const staff = await createUser('staff');
      for (const body of [
        { role: 'admin' },
        { status: 'active' },
        { email: uniqueEmail() },
        { emailVerified: false },
        { adminRoles: ['billing-manager'] },
        {},
      ]) {
        expectError(await api.as(staff.token).patch('/users/me', body), 400, 'validation_failed');
      }
      const row = await testContext().knex('users').where({ id: staff.id }).first();
      expect(row).to.include({ role: 'staff', email: staff.email, status: 'active' });
    });

    it('refuses a time zone for non-patients and an unknown zone for patients (400)', async () => {
      const nurse = await createUser('nurse');
      const patient = await createUser('patient');
      expectError(
        await api.as(nurse.token).patch('/users/me', { timeZone: 'Europe/Berlin' }),
        400,
        'validation_failed',
      );
      expectError(
        await api.as(patient.token).patch('/users/me', { timeZone: 'Mars/Olympus' }),
        400,
        'validation_failed',
      );
      expectError(await api.as(patient.token).patch('/users/me', { name: '' }), 400, 'validation_failed');
      expectError(
        await api.as(patient.token).patch('/users/me', { phone: 'call me maybe' }),
        400,
        'validation_failed',
      );
    });
  });

  describe('admin routes: access', () => {
    const roles: Role[] = ['patient', 'doctor', 'nurse', 'staff'];

    it('denies every non-admin role on GET/POST /users and PATCH /users/:id/status (403), and anonymous callers (401)', async () => {
      const target = await createUser('staff');
      for (const role of roles) {
        const u = await createUser(role);
        expectError(await api.as(u.token).get('/users'), 403, 'forbidden');
        expectError(
          await api
            .as(u.token)
            .post('/users', { name: 'X', email: uniqueEmail(), password: PASSWORD, role: 'staff' }),
          403,
          'forbidden',
        );
        expectError(
          await api.as(u.token).patch(`/users/${target.id}/status`, { status: 'suspended' }),
          403,
          'forbidden',
        );
      }
      expectError(await anon.get('/users'), 401, 'unauthorized');
      expectError(await anon.get('/users/me'), 401, 'unauthorized');
    });
  });

  describe('GET /users', () => {
    it('lists accounts newest first with filters and cursor pagination', async () => {
      const tag = `zz${Date.now().toString(36)}`;
      const made: TestUser[] = [];
      for (let i = 0; i < 5; i++)
        made.push(await createUser(i % 2 ? 'nurse' : 'staff', { name: `${tag} person ${i}` }));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: TestResponse = await api
          .as(admin.token)
          .get(`/users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).to.equal(200);
        expect(res.body.items.length).to.be.at.most(2);
        seen.push(...res.body.items.map((u: { id: string }) => u.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).to.deep.equal(made.map((u) => u.id).reverse());
      const nurses = await api.as(admin.token).get(`/users?q=${tag}&role=nurse`);
      expect(nurses.body.items.map((u: { id: string }) => u.id)).to.deep.equal([made[3]!.id, made[1]!.id]);
      const byEmail = await api
        .as(superAdmin.token)
        .get(`/users?q=${encodeURIComponent(made[0]!.email.toUpperCase())}`);
      expect(byEmail.body.items.map((u: { id: string }) => u.id)).to.deep.equal([made[0]!.id]);
      expect(byEmail.body.items[0]).to.not.have.property('passwordHash');
    });

    it('filters by status and treats LIKE wildcards in q literally', async () => {
      const pending = await createUser('doctor', { status: 'pending' });
      const res = await api.as(admin.token).get('/users?status=pending&role=doctor&limit=100');
      expect(res.body.items.some((u: { id: string }) => u.id === pending.id)).to.equal(true);
      expect(res.body.items.every((u: { status: string }) => u.status === 'pending')).to.equal(true);
      const wild = await api.as(admin.token).get('/users?q=%25%25%25_nobody_');
      expect(wild.status).to.equal(200);
      expect(wild.body.items).to.have.length(0);
    });

    it('answers bad queries with 400', async () => {
      for (const qs of [
        'limit=0',
        'limit=101',
        'role=king',
        'status=sleeping',
        'cursor=garbage',
        'unknown=1',
        `cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      ]) {
        const res = await api.as(admin.token).get(`/users?${qs}`);
        expect(res.status, qs).to.equal(400);
        errorOf(res);
      }
    });
  });

  describe('POST /users', () => {
    it('creates staff, nurse and doctor accounts active and verified; the doctor gets a doctors row (201)', async () => {
      for (const role of ['staff', 'nurse', 'doctor'] as const) {
        const email = uniqueEmail(role);
        const res = await api.as(admin.token).post('/users', {
          name: `New ${role}`,
          email,
          password: PASSWORD,
          role,
          ...(role === 'doctor' ? { specialization: 'dermatology' } : {}),
        });
        expect(res.status, res.text).to.equal(201);
        expect(res.body).to.include({ role, status: 'active', emailVerified: true, email });
        expect((await login(email, PASSWORD)).status).to.equal(200);
        if (role === 'doctor') {
          const doctor = await testContext().knex('doctors').where({ id: res.body.id }).first();
          expect(doctor.specialization).to.equal('dermatology');
          expect(res.body.doctorId).to.equal(res.body.id);
        }
        const audit = await testContext()
          .knex('auditEvents')
          .where({ entityId: res.body.id, action: 'create_user' });
        expect(audit).to.have.length(1);
        expect(audit[0].actorId).to.equal(admin.id);
      }
    });

    it('lets only a super-admin create an admin (403 for an admin), with admin sub-roles', async () => {
      const body = {
        name: 'Sub Admin',
        email: uniqueEmail('adm'),
        password: PASSWORD,
        role: 'admin',
        adminRoles: ['billing-manager'],
      };
      expectError(await api.as(admin.token).post('/users', body), 403, 'forbidden');
      const res = await api.as(superAdmin.token).post('/users', body);
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ role: 'admin' });
      expect(res.body.adminRoles).to.deep.equal(['billing-manager']);
    });

    it('refuses super-admin and patient roles, sub-roles on non-admins, and duplicates', async () => {
      const base = { name: 'X', password: PASSWORD };
      const refused: [Record<string, unknown>, number, string][] = [
        [{ email: uniqueEmail(), role: 'super-admin' }, 400, 'validation_failed'],
        [{ email: uniqueEmail(), role: 'patient' }, 400, 'validation_failed'],
        [{ email: uniqueEmail(), role: 'nurse', adminRoles: ['billing-manager'] }, 400, 'validation_failed'],
        [{ email: uniqueEmail(), role: 'nurse', specialization: 'x' }, 400, 'validation_failed'],
        [{ email: uniqueEmail(), role: 'nurse', status: 'pending' }, 400, 'validation_failed'],
        [{ email: admin.email, role: 'nurse' }, 409, 'duplicate'],
        [{ email: uniqueEmail(), role: 'nurse', password: 'short' }, 400, 'validation_failed'],
      ];
      for (const [fields, status, code] of refused) {
        expectError(await api.as(superAdmin.token).post('/users', { ...base, ...fields }), status, code);
      }
    });
  });

  describe('PATCH /users/:id/status', () => {
    it('approves a pending doctor (200) and emails them doctor_approved once', async () => {
      const email = uniqueEmail('pending-doc');
      const reg = await anon.post('/auth/register', {
        name: 'Dr Pending',
        email,
        password: PASSWORD,
        role: 'doctor',
      });
      await testContext().knex('users').where({ id: reg.body.id }).update({ emailVerified: true });
      expectError(await login(email, PASSWORD), 403, 'account_pending');
      const res = await api
        .as(admin.token)
        .patch(`/users/${reg.body.id}/status`, { status: 'active', reason: 'credentials checked' });
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('active');
      const mail = await testContext().smtp.waitFor(email, (m) => /approved/i.test(m.subject));
      expect(mail.text).to.contain('http://clinicflow.test/login');
      expect((await login(email, PASSWORD)).status).to.equal(200);
      const audit = await testContext()
        .knex('auditEvents')
        .where({ entityId: reg.body.id, action: 'change_status' })
        .first();
      expect(audit.details).to.deep.include({ from: 'pending', to: 'active', reason: 'credentials checked' });
      // Setting the same status again changes nothing.
      expect(
        (await api.as(admin.token).patch(`/users/${reg.body.id}/status`, { status: 'active' })).status,
      ).to.equal(200);
      await drainJobs('send_email');
      expect(
        testContext()
          .smtp.to(email)
          .filter((m) => /approved/i.test(m.subject)),
      ).to.have.length(1);
    });

    it('approves once under concurrent approvals: every request answers 200, one audit row, one email', async () => {
      const email = uniqueEmail('race-doc');
      const reg = await anon.post('/auth/register', {
        name: 'Dr Race',
        email,
        password: PASSWORD,
        role: 'doctor',
      });
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          api.as(admin.token).patch(`/users/${reg.body.id}/status`, { status: 'active' }),
        ),
      );
      for (const r of results) expect(r.status, r.text).to.equal(200);
      const changes = await testContext()
        .knex('auditEvents')
        .where({ entityId: reg.body.id, action: 'change_status', outcome: 'success' });
      expect(changes).to.have.length(1);
      await testContext().smtp.waitFor(email, (m) => /approved/i.test(m.subject));
      await drainJobs('send_email');
      expect(
        testContext()
          .smtp.to(email)
          .filter((m) => /approved/i.test(m.subject)),
      ).to.have.length(1);
    });

    it('ends the sessions of a suspended user at once (401), and reactivation lets them sign in again', async () => {
      const nurse = await createUser('nurse');
      expect((await api.as(nurse.token).get('/users/me')).status).to.equal(200);
      const res = await api.as(admin.token).patch(`/users/${nurse.id}/status`, { status: 'suspended' });
      expect(res.status).to.equal(200);
      expectError(await api.as(nurse.token).get('/users/me'), 401, 'token_revoked');
      expectError(await login(nurse.email, nurse.password), 403, 'account_suspended');
      await api.as(admin.token).patch(`/users/${nurse.id}/status`, { status: 'active' });
      expectError(await api.as(nurse.token).get('/users/me'), 401, 'token_revoked');
      expect((await login(nurse.email, nurse.password)).status).to.equal(200);
    });

    it('removes an account for good: sessions end, login says account_removed, and it cannot come back (409)', async () => {
      const staff = await createUser('staff');
      expect(
        (await api.as(admin.token).patch(`/users/${staff.id}/status`, { status: 'removed' })).status,
      ).to.equal(200);
      expectError(await api.as(staff.token).get('/users/me'), 401, 'token_revoked');
      expectError(await login(staff.email, staff.password), 403, 'account_removed');
      expectError(
        await api.as(admin.token).patch(`/users/${staff.id}/status`, { status: 'active' }),
        409,
        'invalid_transition',
      );
    });

    it('forbids changing oneself, a super-admin, or (for admins) another admin (403)', async () => {
      const otherAdmin = await createUser('admin');
      expectError(
        await api.as(admin.token).patch(`/users/${admin.id}/status`, { status: 'suspended' }),
        403,
        'forbidden',
      );
      expectError(
        await api.as(admin.token).patch(`/users/${superAdmin.id}/status`, { status: 'suspended' }),
        403,
        'forbidden',
      );
      expectError(
        await api.as(admin.token).patch(`/users/${otherAdmin.id}/status`, { status: 'suspended' }),
        403,
        'forbidden',
      );
      expectError(
        await api.as(superAdmin.token).patch(`/users/${superAdmin.id}/status`, { status: 'removed' }),
        403,
        'forbidden',
      );
      expect(
        (await api.as(superAdmin.token).patch(`/users/${otherAdmin.id}/status`, { status: 'suspended' }))
          .status,
      ).to.equal(200);
      const denied = await testContext()
        .knex('auditEvents')
        .where({ entityId: superAdmin.id, action: 'change_status', outcome: 'denied' });
      expect(denied.length).to.be.at.least(1);
    });

    it('answers an unknown id with 404 and bad input with 400', async () => {
      expectError(
        await api.as(admin.token).patch(`/users/${crypto.randomUUID()}/status`, { status: 'active' }),
        404,
        'not_found',
      );
      const staff = await createUser('staff');
      for (const body of [
        {},
        { status: 'pending' },
        { status: 'deleted' },
        { status: 'active', role: 'admin' },
        { status: 'active', reason: '' },
      ]) {
        expectError(
          await api.as(admin.token).patch(`/users/${staff.id}/status`, body),
          400,
          'validation_failed',
        );
      }
      expectError(
        await api.as(admin.token).patch('/users/not-a-uuid/status', { status: 'active' }),
        400,
        'validation_failed',
      );
    });
  });
});
