import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { ensureSuperAdmin } from '../../domain/auth/ensure-super-admin.js';
import { hashPassword, verifyPassword } from '../../domain/auth/passwords.js';
import { services } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { api, errorOf, request, type TestResponse } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';
import type { DeliveredEmail } from '../helpers/smtp.js';
import { waitUntil } from '../helpers/wait.js';

const anon = api.as();
const PASSWORD = 'a perfectly fine password';

/** The n-th (1-based) message to `to` whose subject matches, once it has arrived. */
async function nthEmail(to: string, subject: RegExp, n = 1): Promise<DeliveredEmail> {
  const { smtp } = testContext();
  await smtp.waitFor(to, () => smtp.to(to).filter((m) => subject.test(m.subject)).length >= n);
  return smtp.to(to).filter((m) => subject.test(m.subject))[n - 1]!;
}

async function verificationToken(to: string, n = 1): Promise<string> {
  const mail = await nthEmail(to, /confirm your email/i, n);
  const m = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  expect(m, 'verification link in the email text').to.not.equal(null);
  expect(mail.text).to.contain('http://clinicflow.test/verify-email?token=');
  return m![1]!;
}

async function resetOtp(to: string, n = 1): Promise<string> {
  const mail = await nthEmail(to, /password reset code/i, n);
  const m = /Your code is (\d{6})/.exec(mail.text);
  expect(m, 'OTP in the email text').to.not.equal(null);
  return m![1]!;
}

/** Registers a patient through the API, verifies the email from the delivered link, returns credentials. */
async function registerVerifiedPatient(password = PASSWORD) {
  const email = uniqueEmail('reg');
  const res = await anon.post('/auth/register', { name: 'Pat Ient', email, password });
  expect(res.status).to.equal(201);
  const token = await verificationToken(email);
  expect((await anon.post('/auth/verify-email', { token })).status).to.equal(200);
  return { id: res.body.id as string, email, password };
}

const login = (email: string, password: string) => anon.post('/auth/login', { email, password });

function expectError(res: TestResponse, status: number, code: string) {
  expect(res.status, res.text).to.equal(status);
  expect(errorOf(res).code).to.equal(code);
}

async function auditRows(entityId: string, action: string) {
  return testContext().knex('auditEvents').where({ entityId, action }).orderBy('id');
}

describe('auth', () => {
  describe('registration and email verification', () => {
    it('registers a patient (201, pending, unverified) with one patient profile in the clinic time zone', async () => {
      const email = uniqueEmail('pat');
      const res = await anon.post('/auth/register', {
        name: 'New Patient',
        email,
        password: PASSWORD,
        phone: '+49 30 1234',
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({
        name: 'New Patient',
        email,
        role: 'patient',
        status: 'pending',
        emailVerified: false,
      });
      expect(res.body).to.not.have.any.keys('passwordHash', 'tokenGeneration', 'password');
      const profiles = await testContext().knex('patients').where({ userId: res.body.id });
      expect(profiles).to.have.length(1);
      expect(await auditRows(res.body.id, 'register')).to.have.length(1);
      expect(profiles[0]).to.include({
        name: 'New Patient',
        timeZone: testContext().config.clinicTimeZone,
        phone: '+49 30 1234',
      });
    });

    it('refuses login before verification (403 email_not_verified), then activates the patient from the emailed link', async () => {
      const email = uniqueEmail('verify');
      await anon.post('/auth/register', { name: 'Vera', email, password: PASSWORD });
      expectError(await login(email, PASSWORD), 403, 'email_not_verified');
      const token = await verificationToken(email);
      const verified = await anon.post('/auth/verify-email', { token });
      expect(verified.status).to.equal(200);
      expect(verified.body).to.include({ status: 'active', emailVerified: true });
      const res = await login(email, PASSWORD);
      expect(res.status).to.equal(200);
      expect(res.body.user).to.include({ email, role: 'patient', status: 'active' });
      // The link is single use.
      expectError(await anon.post('/auth/verify-email', { token }), 400, 'invalid_token');
    });

    it('keeps the token out of the job payload and stores only its hash', async () => {
      const email = uniqueEmail('hash');
      const res = await anon.post('/auth/register', { name: 'Hash', email, password: PASSWORD });
      const token = await verificationToken(email);
      const row = await testContext().knex('emailVerifications').where({ userId: res.body.id }).first();
      expect(row.tokenHash).to.match(/^[0-9a-f]{64}$/);
      expect(row.tokenHash).to.not.equal(token);
      const { rows } = await testContext().knex.raw(
        `select payload::text as p from graphile_worker._private_jobs where payload::text like ?`,
        [`%${token}%`],
      );
      expect(rows).to.have.length(0);
    });

    it('rejects an expired verification link (400 invalid_token)', async () => {
      const email = uniqueEmail('expired');
      const res = await anon.post('/auth/register', { name: 'Late', email, password: PASSWORD });
      const token = await verificationToken(email);
      await testContext()
        .knex('emailVerifications')
        .where({ userId: res.body.id })
        .update({ expiresAt: new Date(Date.now() - 1000) });
      expectError(await anon.post('/auth/verify-email', { token }), 400, 'invalid_token');
      expectError(await anon.post('/auth/verify-email', { token: 'not-a-real-token' }), 400, 'invalid_token');
    });

    it('resends a verification link that voids the previous one, answering 202 alike for unknown emails', async () => {
      const email = uniqueEmail('resend');
      await anon.post('/auth/register', { name: 'Re Send', email, password: PASSWORD });
      const first = await verificationToken(email);
      const known = await anon.post('/auth/resend-verification', { email });
      const unknown = await anon.post('/auth/resend-verification', { email: uniqueEmail('nobody') });
      expect(known.status).to.equal(202);
      expect(unknown.status).to.equal(202);
      expect(unknown.body).to.deep.equal(known.body);
      const second = await verificationToken(email, 2);
      expect(second).to.not.equal(first);
      expectError(await anon.post('/auth/verify-email', { token: first }), 400, 'invalid_token');
      expect((await anon.post('/auth/verify-email', { token: second })).status).to.equal(200);
    });

    it('registers a doctor as pending with a doctors row; verified but unapproved login → 403 account_pending', async () => {
      const email = uniqueEmail('doc');
      const res = await anon.post('/auth/register', {
        name: 'Dr Who',
        email,
        password: PASSWORD,
        role: 'doctor',
        specialization: 'cardiology',
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ role: 'doctor', status: 'pending', emailVerified: false });
      const doctor = await testContext().knex('doctors').where({ id: res.body.id }).first();
      expect(doctor.specialization).to.equal('cardiology');
      const token = await verificationToken(email);
      const verified = await anon.post('/auth/verify-email', { token });
      expect(verified.body).to.include({ status: 'pending', emailVerified: true });
      expectError(await login(email, PASSWORD), 403, 'account_pending');
    });

    it('answers a duplicate email, in any letter case, with 409 duplicate', async () => {
      const email = uniqueEmail('dup');
      expect((await anon.post('/auth/register', { name: 'One', email, password: PASSWORD })).status).to.equal(
        201,
      );
      expectError(
        await anon.post('/auth/register', { name: 'Two', email: email.toUpperCase(), password: PASSWORD }),
        409,
        'duplicate',
      );
    });

    it('lets exactly one of concurrent registrations of one email through (201), the rest 409 duplicate', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          anon.post('/auth/register', {
            name: `Racer ${i}`,
            email: i % 2 ? email.toUpperCase() : email,
            password: PASSWORD,
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(errorOf(r).code).to.equal('duplicate');
      const users = await testContext().knex('users').whereRaw('lower(email) = lower(?)', [email]);
      expect(users).to.have.length(1);
      expect(await testContext().knex('patients').where({ userId: users[0].id })).to.have.length(1);
    });

    it('makes mass assignment impossible: role admin, status or emailVerified in the body → 400', async () => {
      const base = { name: 'Mallory', email: uniqueEmail('mass'), password: PASSWORD };
      for (const extra of [
        { role: 'admin' },
        { role: 'super-admin' },
        { status: 'active' },
        { emailVerified: true },
        { adminRoles: ['billing-manager'] },
      ]) {
        const res = await anon.post('/auth/register', { ...base, ...extra });
        expectError(res, 400, 'validation_failed');
      }
      expect(await testContext().knex('users').where({ email: base.email })).to.have.length(0);
    });
  });

  describe('login and tokens', () => {
    it('signs in → {token, user}; the JWT is HS256 with sub, role, iat, exp, jti', async () => {
      const user = await registerVerifiedPatient();
      const res = await login(user.email, user.password);
      expect(res.status).to.equal(200);
      expect(res.body.user).to.include({ id: user.id, role: 'patient' });
      const decoded = jwt.decode(res.body.token, { complete: true })!;
      expect(decoded.header.alg).to.equal('HS256');
      expect(decoded.payload).to.include.keys('sub', 'role', 'iat', 'exp', 'jti');
      expect(decoded.payload).to.include({ sub: user.id, role: 'patient' });
      const me = await api.as(res.body.token).get('/users/me');
      expect(me.status).to.equal(200);
      expect(me.body.patientId).to.be.a('string');
      const audit = await auditRows(user.id, 'login');
      expect(audit.map((a) => a.outcome)).to.include('success');
    });

    it('answers unknown email and wrong password with the same 401 invalid_credentials body', async () => {
      const user = await registerVerifiedPatient();
      const wrong = await login(user.email, 'not the password');
      const unknown = await login(uniqueEmail('ghost'), 'not the password');
      expectError(wrong, 401, 'invalid_credentials');
      expect(unknown.status).to.equal(wrong.status);
      expect(unknown.body).to.deep.equal(wrong.body);
      const failures = await auditRows(user.id, 'login');
      expect(failures.some((a) => a.outcome === 'failure')).to.equal(true);
    });

    it('finds the account whatever the letter case of the email', async () => {
      const user = await registerVerifiedPatient();
      expect((await login(user.email.toUpperCase(), user.password)).status).to.equal(200);
    });

    it('answers 403 with a reason for removed and suspended accounts, but only after the password matched', async () => {
      const removed = await createUser('nurse', { status: 'removed' });
      const suspended = await createUser('staff', { status: 'suspended' });
      expectError(await login(removed.email, removed.password), 403, 'account_removed');
      expectError(await login(suspended.email, suspended.password), 403, 'account_suspended');
      expectError(await login(removed.email, 'wrong password!'), 401, 'invalid_credentials');
    });

    it('rejects expired, forged, alg:none, malformed and missing tokens with 401', async () => {
      const user = await createUser('patient');
      const secret = services().jwtSecret;
      const claims = { role: 'patient', gen: 0 };
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secret, {
        subject: user.id,
        jwtid: crypto.randomUUID(),
      });
      const forged = jwt.sign(claims, 'another-secret-that-is-long-enough-000', {
        subject: user.id,
        jwtid: crypto.randomUUID(),
        expiresIn: 600,
      });
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: user.id, jti: crypto.randomUUID(), iat: now, exp: now + 600 })}.`;
      const hs512 = jwt.sign(claims, secret, {
        algorithm: 'HS512',
        subject: user.id,
        jwtid: crypto.randomUUID(),
        expiresIn: 600,
      });
      for (const token of [expired, forged, none, hs512, 'garbage', `${user.token}x`]) {
        expectError(await api.as(token).get('/users/me'), 401, 'unauthorized');
      }
      expectError(await anon.get('/users/me'), 401, 'unauthorized');
      expect((await api.as(user.token).get('/users/me')).status).to.equal(200);
    });

    it('revokes the token at logout (204), then answers it with 401 token_revoked; other sessions live on', async () => {
      const user = await registerVerifiedPatient();
      const a = (await login(user.email, user.password)).body.token;
      const b = (await login(user.email, user.password)).body.token;
      const out = await api.as(a).post('/auth/logout');
      expect(out.status).to.equal(204);
      expectError(await api.as(a).get('/users/me'), 401, 'token_revoked');
      expectError(await api.as(a).post('/auth/logout'), 401, 'token_revoked');
      expect((await api.as(b).get('/users/me')).status).to.equal(200);
      const row = await testContext()
        .knex('revokedTokens')
        .where({ jti: jwt.decode(a, { json: true })!.jti })
        .first();
      expect(new Date(row.expiresAt).getTime()).to.equal(jwt.decode(a, { json: true })!.exp! * 1000);
    });

    it('keeps every byte of long passwords significant: two that differ after byte 72 do not match', async () => {
      const prefix = 'p'.repeat(72);
      const hash = await hashPassword(`${prefix}-one`);
      expect(await verifyPassword(`${prefix}-one`, hash)).to.equal(true);
      expect(await verifyPassword(`${prefix}-two`, hash)).to.equal(false);
      // Multi-byte characters: 40 × "é" is 80 bytes.
      const accents = 'é'.repeat(40);
      const email = uniqueEmail('long');
      await anon.post('/auth/register', { name: 'Long', email, password: `${accents}A` });
      await anon.post('/auth/verify-email', { token: await verificationToken(email) });
      expectError(await login(email, `${accents}B`), 401, 'invalid_credentials');
      expect((await login(email, `${accents}A`)).status).to.equal(200);
    });

    it('enforces 8–128 characters for new passwords (400)', async () => {
      expectError(
        await anon.post('/auth/register', { name: 'S', email: uniqueEmail('s'), password: 'short12' }),
        400,
        'validation_failed',
      );
      expectError(
        await anon.post('/auth/register', { name: 'L', email: uniqueEmail('l'), password: 'x'.repeat(129) }),
        400,
        'validation_failed',
      );
      expect(
        (await anon.post('/auth/register', { name: 'M', email: uniqueEmail('m'), password: 'x'.repeat(128) }))
          .status,
      ).to.equal(201);
    });
  });

  describe('rate limits', () => {
    it('locks an account after AUTH_RATE_LIMIT_PER_ACCOUNT failed logins (429 + Retry-After), even for the right password', async function () {
      // Attempts are counted in fixed windows that reset at their edge: start with a minute to spare.
      this.timeout(90_000);
      const windowSeconds = testContext().config.authLockoutMinutes * 60;
      await waitUntil(
        async () => {
          const { rows } = await testContext().knex.raw(
            `select extract(epoch from date_bin(make_interval(secs => ?), now(), timestamptz 'epoch')
               + make_interval(secs => ?) - now())::float as left`,
            [windowSeconds, windowSeconds],
          );
          return (rows as { left: number }[])[0]!.left > 60;
        },
        75_000,
        'a rate-limit window with a minute left',
      );
      const user = await registerVerifiedPatient();
      const limit = testContext().config.authRateLimitPerAccount;
      for (let i = 0; i < limit; i++)
        expectError(await login(user.email, `wrong password ${i}`), 401, 'invalid_credentials');
      const locked = await login(user.email, user.password);
      expectError(locked, 429, 'rate_limited');
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).to.be.within(1, 900);
      // Unknown emails are limited the same way, so a 429 does not reveal an account.
      const ghost = uniqueEmail('ghost');
      for (let i = 0; i < limit; i++) await login(ghost, 'nope nope');
      expectError(await login(ghost, 'nope nope'), 429, 'rate_limited');
    });

    it('resets the failure count after a successful login', async () => {
      const user = await registerVerifiedPatient();
      const limit = testContext().config.authRateLimitPerAccount;
      for (let i = 0; i < limit - 1; i++) await login(user.email, 'wrong password');
      expect((await login(user.email, user.password)).status).to.equal(200);
      for (let i = 0; i < limit - 1; i++)
        expectError(await login(user.email, 'wrong password'), 401, 'invalid_credentials');
      expect((await login(user.email, user.password)).status).to.equal(200);
    });

    it('holds the per-account limit under concurrent wrong guesses: at most AUTH_RATE_LIMIT_PER_ACCOUNT get checked', async () => {
      const user = await registerVerifiedPatient();
      const limit = testContext().config.authRateLimitPerAccount;
      const results = await Promise.all(
        Array.from({ length: limit * 3 }, (_, i) => login(user.email, `parallel guess ${i}`)),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).to.have.length(limit);
      expect(statuses.filter((s) => s === 429)).to.have.length(limit * 2);
      expectError(await login(user.email, user.password), 429, 'rate_limited');
    });

    it('limits requests per IP on auth routes (429 + Retry-After), counting in the database', async () => {
      const config = testContext().config;
      const saved = config.authRateLimitPerIp;
      const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const other = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      config.authRateLimitPerIp = 3;
      try {
        const send = (from: string) =>
          request('POST', '/auth/forgot-password', {
            body: { email: uniqueEmail('ip') },
            headers: { 'x-forwarded-for': from },
          });
        for (let i = 0; i < 3; i++) expect((await send(ip)).status).to.equal(202);
        const limited = await send(ip);
        expectError(limited, 429, 'rate_limited');
        expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 900);
        // Bad input counts too, and still gets 429 rather than a validation error.
        expectError(
          await request('POST', '/auth/login', { body: {}, headers: { 'x-forwarded-for': ip } }),
          429,
          'rate_limited',
        );
        expect((await send(other)).status).to.equal(202);
      } finally {
        config.authRateLimitPerIp = saved;
      }
    });
  });

  describe('forgot and reset password', () => {
    it('answers 202 with the same body for known and unknown emails, and emails only the known one', async () => {
      const user = await registerVerifiedPatient();
      const ghost = uniqueEmail('ghost');
      const known = await anon.post('/auth/forgot-password', { email: user.email });
      const unknown = await anon.post('/auth/forgot-password', { email: ghost });
      expect(known.status).to.equal(202);
      expect(unknown.status).to.equal(202);
      expect(unknown.body).to.deep.equal(known.body);
      await resetOtp(user.email);
      await drainJobs('send_password_reset_otp');
      expect(testContext().smtp.to(ghost)).to.have.length(0);
    });

    it('resets the password with the emailed OTP (200), signs out every older token, and uses the OTP once', async () => {
      const user = await registerVerifiedPatient();
      const oldToken = (await login(user.email, user.password)).body.token;
      await anon.post('/auth/forgot-password', { email: user.email });
      const otp = await resetOtp(user.email);
      const row = await testContext().knex('passwordResets').where({ userId: user.id }).first();
      expect(row.otpHash).to.match(/^[0-9a-f]{64}$/);
      expect(row.otpHash).to.not.contain(otp);
      const newPassword = 'a brand new password';
      const res = await anon.post('/auth/reset-password', { email: user.email, otp, newPassword });
      expect(res.status).to.equal(200);
      expectError(await api.as(oldToken).get('/users/me'), 401, 'token_revoked');
      expectError(await login(user.email, user.password), 401, 'invalid_credentials');
      expect((await login(user.email, newPassword)).status).to.equal(200);
      expectError(
        await anon.post('/auth/reset-password', {
          email: user.email,
          otp,
          newPassword: 'yet another password',
        }),
        400,
        'invalid_otp',
      );
      const audit = await auditRows(user.id, 'reset_password');
      expect(audit.map((a) => a.outcome)).to.include('success');
      expect(JSON.stringify(audit)).to.not.contain(otp);
    });

    it('voids the previous OTP when a new one is requested', async () => {
      const user = await registerVerifiedPatient();
      await anon.post('/auth/forgot-password', { email: user.email });
      const first = await resetOtp(user.email, 1);
      await anon.post('/auth/forgot-password', { email: user.email });
      const second = await resetOtp(user.email, 2);
      if (first !== second) {
        expectError(
          await anon.post('/auth/reset-password', {
            email: user.email,
            otp: first,
            newPassword: 'first new password',
          }),
          400,
          'invalid_otp',
        );
      }
      const live = await testContext()
        .knex('passwordResets')
        .where({ userId: user.id })
        .whereNull('voidedAt')
        .whereNull('usedAt');
      expect(live).to.have.length(1);
      expect(
        (
          await anon.post('/auth/reset-password', {
            email: user.email,
            otp: second,
            newPassword: 'second new password',
          })
        ).status,
      ).to.equal(200);
    });

    it('voids the OTP after 5 wrong guesses, so the right code then fails too (400 invalid_otp)', async () => {
      const user = await registerVerifiedPatient();
      await anon.post('/auth/forgot-password', { email: user.email });
      const otp = await resetOtp(user.email);
      const wrong = otp === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        expectError(
          await anon.post('/auth/reset-password', {
            email: user.email,
            otp: wrong,
            newPassword: 'guess guess guess',
          }),
          400,
          'invalid_otp',
        );
      }
      expectError(
        await anon.post('/auth/reset-password', { email: user.email, otp, newPassword: 'guess guess guess' }),
        400,
        'invalid_otp',
      );
      expect((await login(user.email, user.password)).status).to.equal(200);
    });

    it('caps concurrent wrong guesses at 5 per OTP, and lets one of two concurrent correct resets through', async () => {
      const user = await registerVerifiedPatient();
      await anon.post('/auth/forgot-password', { email: user.email });
      const otp = await resetOtp(user.email);
      const reset = await testContext().knex('passwordResets').where({ userId: user.id }).first();
      // Issued with a 10-minute life from the moment the code was made.
      const ttl = new Date(reset.expiresAt).getTime() - Date.now();
      expect(ttl).to.be.within(9 * 60_000, 10 * 60_000);
      const wrong = otp === '000000' ? '111111' : '000000';
      const guesses = await Promise.all(
        Array.from({ length: 8 }, () =>
          anon.post('/auth/reset-password', {
            email: user.email,
            otp: wrong,
            newPassword: 'guess guess guess',
          }),
        ),
      );
      for (const g of guesses) expectError(g, 400, 'invalid_otp');
      const after = await testContext().knex('passwordResets').where({ id: reset.id }).first();
      expect(after.failedAttempts).to.equal(5);
      expect(after.voidedAt).to.not.equal(null);

      await anon.post('/auth/forgot-password', { email: user.email });
      const fresh = await resetOtp(user.email, 2);
      const [a, b] = await Promise.all(
        ['first racer password', 'second racer password'].map((newPassword) =>
          anon.post('/auth/reset-password', { email: user.email, otp: fresh, newPassword }),
        ),
      );
      expect([a.status, b.status].sort()).to.deep.equal([200, 400]);
      const winner = a.status === 200 ? 'first racer password' : 'second racer password';
      expect((await login(user.email, winner)).status).to.equal(200);
      const successes = (await auditRows(user.id, 'reset_password')).filter((r) => r.outcome === 'success');
      expect(successes).to.have.length(1);
    });

    it('rejects an expired OTP, and any OTP for an unknown email, with the same 400 invalid_otp', async () => {
      const user = await registerVerifiedPatient();
      await anon.post('/auth/forgot-password', { email: user.email });
      const otp = await resetOtp(user.email);
      await testContext()
        .knex('passwordResets')
        .where({ userId: user.id })
        .update({ expiresAt: new Date(Date.now() - 1000) });
      const expired = await anon.post('/auth/reset-password', {
        email: user.email,
        otp,
        newPassword: 'too late password',
      });
      const unknown = await anon.post('/auth/reset-password', {
        email: uniqueEmail('ghost'),
        otp,
        newPassword: 'too late password',
      });
      expectError(expired, 400, 'invalid_otp');
      expect(unknown.body).to.deep.equal(expired.body);
    });

    it('limits OTP guesses per account across OTPs (429 after AUTH_RATE_LIMIT_PER_ACCOUNT failures)', async () => {
      const email = uniqueEmail('otp-limit');
      const limit = testContext().config.authRateLimitPerAccount;
      for (let i = 0; i < limit; i++) {
        expectError(
          await anon.post('/auth/reset-password', { email, otp: '123456', newPassword: 'whatever password' }),
          400,
          'invalid_otp',
        );
      }
      expectError(
        await anon.post('/auth/reset-password', { email, otp: '123456', newPassword: 'whatever password' }),
        429,
        'rate_limited',
      );
    });

    it('sends the OTP email once even when the job runs twice', async () => {
      const user = await registerVerifiedPatient();
      await anon.post('/auth/forgot-password', { email: user.email });
      await resetOtp(user.email);
      const reset = await testContext().knex('passwordResets').where({ userId: user.id }).first('id');
      const { knex } = testContext();
      await knex.raw(
        `select graphile_worker.add_job('send_password_reset_otp', json_build_object('resetId', ?::text))`,
        [reset.id],
      );
      await drainJobs('send_password_reset_otp');
      expect(
        testContext()
          .smtp.to(user.email)
          .filter((m) => /reset code/i.test(m.subject)),
      ).to.have.length(1);
    });
  });

  describe('change password', () => {
    it('changes the password (200 + fresh token) and revokes every older token', async () => {
      const user = await registerVerifiedPatient();
      const a = (await login(user.email, user.password)).body.token;
      const b = (await login(user.email, user.password)).body.token;
      const res = await api
        .as(a)
        .post('/auth/change-password', { oldPassword: user.password, newPassword: 'changed password 1' });
      expect(res.status).to.equal(200);
      expect(res.body.token).to.be.a('string');
      expectError(await api.as(a).get('/users/me'), 401, 'token_revoked');
      expectError(await api.as(b).get('/users/me'), 401, 'token_revoked');
      expect((await api.as(res.body.token).get('/users/me')).status).to.equal(200);
      expect((await login(user.email, 'changed password 1')).status).to.equal(200);
    });

    it('refuses a wrong old password (400 invalid_password) and limits the guesses (429)', async () => {
      const user = await createUser('staff');
      const limit = testContext().config.authRateLimitPerAccount;
      for (let i = 0; i < limit; i++) {
        expectError(
          await api
            .as(user.token)
            .post('/auth/change-password', { oldPassword: `nope ${i}`, newPassword: 'another password' }),
          400,
          'invalid_password',
        );
      }
      expectError(
        await api
          .as(user.token)
          .post('/auth/change-password', { oldPassword: user.password, newPassword: 'another password' }),
        429,
        'rate_limited',
      );
    });
  });

  describe('bootstrap and housekeeping', () => {
    it('bootstraps a super-admin from configuration once, without resetting an existing password', async () => {
      const email = uniqueEmail('root');
      await ensureSuperAdmin({ email, password: 'first root password' });
      await ensureSuperAdmin({ email: email.toUpperCase(), password: 'second root password' });
      const res = await login(email, 'first root password');
      expect(res.status).to.equal(200);
      expect(res.body.user).to.include({ role: 'super-admin', status: 'active', emailVerified: true });
      expectError(await login(email, 'second root password'), 401, 'invalid_credentials');
      expect(await testContext().knex('users').whereRaw('lower(email) = lower(?)', [email])).to.have.length(
        1,
      );
    });

    it('cleans up expired revoked tokens, ended rate-limit windows and settled OTPs, keeping live rows', async () => {
      const { knex } = testContext();
      const user = await createUser('staff');
      const [oldJti, liveJti] = [crypto.randomUUID(), crypto.randomUUID()];
      await knex('revokedTokens').insert([
        { jti: oldJti, userId: user.id, expiresAt: new Date(Date.now() - 60_000) },
        { jti: liveJti, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) },
      ]);
      const oldKey = `test:${crypto.randomUUID()}`;
      await knex('rateLimits').insert({
        key: oldKey,
        windowStart: new Date(Date.now() - 3 * 3_600_000),
        hits: 3,
      });
      const [oldReset] = await knex('passwordResets')
        .insert({ userId: user.id, voidedAt: new Date(), createdAt: new Date(Date.now() - 2 * 86_400_000) })
        .returning('id');
      await knex.raw(`select graphile_worker.add_job('cleanup_auth_records', '{}'::json)`);
      await drainJobs('cleanup_auth_records');
      expect(await knex('revokedTokens').whereIn('jti', [oldJti, liveJti]).pluck('jti')).to.deep.equal([
        liveJti,
      ]);
      expect(await knex('rateLimits').where({ key: oldKey })).to.have.length(0);
      expect(await knex('passwordResets').where({ id: oldReset.id })).to.have.length(0);
    });
  });

  describe('bad input', () => {
    const routes: [string, unknown[]][] = [
      [
        '/auth/register',
        [
          {},
          [],
          'text',
          { name: '', email: 'x@y.z', password: PASSWORD },
          { name: 'A', email: 'not-an-email', password: PASSWORD },
          { name: 'A', email: uniqueEmail(), password: PASSWORD, role: 'nurse' },
          { name: 'A', email: uniqueEmail(), password: PASSWORD, specialization: 'x' },
          { name: 'A'.repeat(201), email: uniqueEmail(), password: PASSWORD },
          { name: 'A', email: uniqueEmail(), password: 12345678 },
        ],
      ],
      [
        '/auth/verify-email',
        [{}, { token: '' }, { token: 5 }, { token: 'x'.repeat(201) }, { token: 'abc', extra: 1 }],
      ],
      ['/auth/resend-verification', [{}, { email: 'nope' }, { email: null }]],
      [
        '/auth/login',
        [
          {},
          { email: 'a@b.c' },
          { email: 'a@b.c', password: '' },
          { email: ['a@b.c'], password: 'x' },
          { email: 'a@b.c', password: 'x'.repeat(129) },
        ],
      ],
      ['/auth/forgot-password', [{}, { email: 'nope' }, { email: 'a@b.c', role: 'admin' }]],
      [
        '/auth/reset-password',
        [
          {},
          { email: 'a@b.c', otp: '12345', newPassword: PASSWORD },
          { email: 'a@b.c', otp: 'abcdef', newPassword: PASSWORD },
          { email: 'a@b.c', otp: 123456, newPassword: PASSWORD },
          { email: 'a@b.c', otp: '123456', newPassword: 'short' },
        ],
      ],
    ];

    it('answers every bad body of the public auth routes with a 4xx envelope, never a 5xx', async () => {
      for (const [path, bodies] of routes) {
        for (const body of bodies) {
          const res = await anon.post(path, body);
          expect(res.status, `${path} ${JSON.stringify(body)} → ${res.text}`).to.be.within(400, 499);
          errorOf(res);
        }
        const malformed = await request('POST', path, {
          rawBody: '{"email": ',
          headers: { 'content-type': 'application/json' },
        });
        expect(malformed.status, `${path} malformed`).to.equal(400);
        expect(errorOf(malformed).code).to.equal('malformed_json');
      }
    });

    it('answers bad bodies of the signed-in auth routes with 4xx, and no token with 401', async () => {
      const user = await createUser('nurse');
      for (const body of [
        {},
        { oldPassword: user.password },
        { oldPassword: user.password, newPassword: 'short' },
        { oldPassword: '', newPassword: PASSWORD },
        { oldPassword: user.password, newPassword: PASSWORD, role: 'admin' },
      ]) {
        const res = await api.as(user.token).post('/auth/change-password', body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        errorOf(res);
      }
      expectError(
        await anon.post('/auth/change-password', { oldPassword: 'a', newPassword: PASSWORD }),
        401,
        'unauthorized',
      );
      expectError(await anon.post('/auth/logout'), 401, 'unauthorized');
    });
  });
});
