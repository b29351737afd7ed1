import { expect } from 'chai';
import { db } from '../../db/knex.js';
import { testContext } from '../helpers/context.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { errorOf, request, type TestResponse } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';

/** Statements of the in-process worker's own timers (heartbeats, lock sweeps), not of a request. */
const BACKGROUND = /worker_heartbeats|locked_by|job_history/;

/**
 * The SQL statements (text only, no values) the API sends while `send` runs, up to the first
 * COMMIT: what the request itself did, before any job it queued starts running. Of the statements
 * run in a transaction only the request's own are kept — the one that queues its job — since a job
 * of another test that happens to start at that moment opens transactions of its own.
 */
async function statementsOf(send: () => Promise<TestResponse>): Promise<string[]> {
  const seen: { sql: string; txId?: string }[] = [];
  const onQuery = (q: { sql: string; __knexTxId?: string }) => {
    if (!BACKGROUND.test(q.sql)) seen.push({ sql: q.sql.replace(/\s+/g, ' ').trim(), txId: q.__knexTxId });
  };
  db().on('query', onQuery);
  try {
    expect((await send()).status).to.equal(202);
  } finally {
    db().off('query', onQuery);
  }
  const ownTx = seen.find((q) => q.txId && /graphile_worker\.add_job/.test(q.sql))?.txId;
  const own = seen.filter((q) => !q.txId || q.txId === ownTx).map((q) => q.sql);
  const commit = own.findIndex((s) => /^commit;?$/i.test(s));
  return commit >= 0 ? own.slice(0, commit + 1) : own;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const forgot = (email: string, ip = '192.0.2.10') =>
  request('POST', '/auth/forgot-password', { body: { email }, headers: { 'x-forwarded-for': ip } });

describe('account enumeration', () => {
  it('does the same database work for a known and an unknown email on forgot-password (202 both)', async () => {
    const user = await createUser('patient');
    await drainJobs();
    const known = await statementsOf(() => forgot(user.email));
    await drainJobs();
    const unknown = await statementsOf(() => forgot(uniqueEmail('ghost')));
    await drainJobs();
    expect(known.length).to.be.greaterThan(1);
    expect(unknown).to.deep.equal(known);
    expect(
      known.some((s) => /graphile_worker\.add_job/.test(s)),
      'a job is queued on both paths',
    ).to.equal(true);
  });

  it('does the same database work for an unverified and an unknown email on resend-verification (202 both)', async () => {
    const email = uniqueEmail('unverified');
    const registered = await request('POST', '/auth/register', {
      body: { name: 'Not Yet', email, password: 'a perfectly fine password' },
    });
    expect(registered.status).to.equal(201);
    await drainJobs();
    const resend = (address: string) =>
      request('POST', '/auth/resend-verification', {
        body: { email: address },
        headers: { 'x-forwarded-for': '192.0.2.11' },
      });
    const known = await statementsOf(() => resend(email));
    await drainJobs();
    const unknown = await statementsOf(() => resend(uniqueEmail('ghost')));
    await drainJobs();
    expect(unknown).to.deep.equal(known);
    // The job still sends the unverified account its second link.
    const { smtp } = testContext();
    await smtp.waitFor(
      email,
      () => smtp.to(email).filter((m) => /confirm your email/i.test(m.subject)).length >= 2,
    );
  });

  it('answers forgot-password for known and unknown emails in about the same time (30 pairs: median ratio within 1.5)', async function () {
    this.timeout(60_000);
    const users = await Promise.all(Array.from({ length: 30 }, () => createUser('patient')));
    // Back-to-back pairs in alternating order: a burst of load on the (shared) machine hits both
    // halves of a pair alike, and the median of the per-pair ratios ignores the pairs it split.
    const ratios: number[] = [];
    const time = async (email: string, ip: string) => {
      // The job a request queued runs in this process too: let it finish before timing the next.
      await drainJobs();
      const t0 = performance.now();
      expect((await forgot(email, ip)).status).to.equal(202);
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) {
      const ip = `192.0.2.${100 + i}`;
      let known: number, unknown: number;
      if (i % 2) {
        known = await time(users[i]!.email, ip);
        unknown = await time(uniqueEmail('ghost'), ip);
      } else {
        unknown = await time(uniqueEmail('ghost'), ip);
        known = await time(users[i]!.email, ip);
      }
      ratios.push(known / unknown);
    }
    const ratio = median(ratios);
    expect(ratio, `median known/unknown ratio ${ratio.toFixed(2)}`).to.be.within(1 / 1.5, 1.5);
    await drainJobs();
  });

  it('still emails the reset code to a known account, and nothing to an unknown one', async () => {
    const user = await createUser('patient');
    const ghost = uniqueEmail('ghost');
    await forgot(user.email);
    await forgot(ghost);
    const { smtp } = testContext();
    await smtp.waitFor(user.email, () =>
      smtp.to(user.email).some((m) => /password reset code/i.test(m.subject)),
    );
    await drainJobs();
    expect(smtp.to(ghost)).to.have.length(0);
    const live = await testContext()
      .knex('passwordResets')
      .where({ userId: user.id })
      .whereNull('voidedAt')
      .whereNull('usedAt');
    expect(live).to.have.length(1);
  });

  it('limits registrations per IP (REGISTER_RATE_LIMIT_PER_IP per hour): the 21st from one address is 429', async () => {
    const config = testContext().config;
    const saved = config.registerRateLimitPerIp;
    config.registerRateLimitPerIp = 20;
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const register = (from: string) =>
      request('POST', '/auth/register', {
        body: { name: 'Reg Ister', email: uniqueEmail('reg'), password: 'a perfectly fine password' },
        headers: { 'x-forwarded-for': from },
      });
    try {
      for (let i = 0; i < 20; i++) expect((await register(ip)).status).to.equal(201);
      const limited = await register(ip);
      expect(limited.status).to.equal(429);
      expect(errorOf(limited).code).to.equal('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 3600);
      // Logging in from that address is still allowed (the login limit is separate and looser).
      const other = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      expect((await register(other)).status).to.equal(201);
      expect(
        (
          await request('POST', '/auth/login', {
            body: { email: uniqueEmail('x'), password: 'whatever it is' },
            headers: { 'x-forwarded-for': ip },
          })
        ).status,
      ).to.equal(401);
    } finally {
      config.registerRateLimitPerIp = saved;
    }
    await drainJobs();
  });
});
