import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { addJob } from '../../db/jobs.js';
import { deliverEmail } from '../../domain/email/deliver.js';
import { testContext } from '../helpers/context.js';
import { uniqueEmail } from '../helpers/factories.js';
import { drainJobs, jobsFor, jobsOfTask } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

/** A system_notification email job for `to`, keyed so the test can find it. */
const emailJob = (to: string, ledgerKey: string) => ({
  ledgerKey,
  template: 'system_notification',
  to,
  vars: { recipientName: 'Pipeline Test', title: 'Pipeline check', body: 'Hello from the pipeline test.' },
});

describe('jobs pipeline (foundation)', () => {
  it('rolls back a row and its job together: after ROLLBACK neither exists', async () => {
    const { knex } = testContext();
    const email = uniqueEmail('rollback');
    const ledgerKey = `pipeline:${randomUUID()}`;
    let userId: string | undefined;
    const failure = new Error('abort on purpose');
    const outcome = await knex
      .transaction(async (trx) => {
        const [row] = await trx('users')
          .insert({ name: 'Rolled Back', email, passwordHash: 'x', role: 'staff' })
          .returning('id');
        userId = row.id;
        await addJob(trx, 'send_email', emailJob(email, ledgerKey), { jobKey: `send_email:${ledgerKey}` });
        expect(await trx('users').where({ id: row.id })).to.have.length(1);
        throw failure;
      })
      .catch((err: unknown) => err);
    expect(outcome).to.equal(failure);
    expect(userId).to.be.a('string');
    expect(await knex('users').where({ id: userId })).to.have.length(0);
    expect(await jobsFor(`send_email:${ledgerKey}`)).to.have.length(0);
    expect(await jobsOfTask('send_email', (p) => p.ledgerKey === ledgerKey)).to.have.length(0);
  });

  it('does not run a job queued in an open transaction before COMMIT, and runs it right after', async () => {
    const { knex, smtp } = testContext();
    const to = uniqueEmail('commit');
    const ledgerKey = `pipeline:${randomUUID()}`;
    const jobKey = `send_email:${ledgerKey}`;
    const trx = await knex.transaction();
    try {
      await addJob(trx, 'send_email', emailJob(to, ledgerKey), { jobKey });
      expect(await trx.raw('select 1 from graphile_worker.jobs where key = ?', [jobKey])).to.have.property(
        'rowCount',
        1,
      );
      // Every other session, the worker's included, cannot see it yet.
      expect(await jobsFor(jobKey)).to.have.length(0);
      // Proof the worker was working meanwhile: a job committed later (so ordered after ours) runs,
      // and once the visible queue is drained ours has still not sent anything.
      const marker = uniqueEmail('marker');
      await knex.transaction((t) => addJob(t, 'send_email', emailJob(marker, `pipeline:${randomUUID()}`)));
      await smtp.waitFor(marker);
      await drainJobs('send_email');
      expect(smtp.to(to)).to.have.length(0);
      await trx.commit();
    } catch (err) {
      if (!trx.isCompleted()) await trx.rollback();
      throw err;
    }
    const mail = await smtp.waitFor(to);
    expect(mail.subject).to.be.a('string').and.not.equal('');
    await waitUntil(async () => (await jobsFor(jobKey)).length === 0, 10_000, 'the job to complete');
  });

  it('sends one email per ledger key, however often delivery is attempted', async () => {
    const { smtp } = testContext();
    const to = uniqueEmail('ledger');
    const req = emailJob(to, `pipeline:${randomUUID()}`);
    const [a, b] = await Promise.all([deliverEmail(req), deliverEmail(req)]);
    const c = await deliverEmail(req);
    expect([a.sent, b.sent].sort()).to.deep.equal([false, true]);
    expect(c.sent).to.equal(false);
    await smtp.waitFor(to);
    expect(smtp.to(to)).to.have.length(1);
  });

  it('retries a job whose SMTP delivery was refused and delivers exactly one message', async function () {
    this.timeout(30_000);
    const { smtp } = testContext();
    await drainJobs();
    const to = uniqueEmail('retry');
    const ledgerKey = `pipeline:${randomUUID()}`;
    const jobKey = `send_email:${ledgerKey}`;
    smtp.rejectNext(1);
    await testContext().knex.transaction((trx) =>
      addJob(trx, 'send_email', emailJob(to, ledgerKey), { jobKey }),
    );
    const failed = await waitUntil(
      async () => {
        const job = await testContext()
          .knex.raw(`select attempts, last_error as "lastError" from graphile_worker.jobs where key = ?`, [
            jobKey,
          ])
          .then((r) => r.rows[0] as { attempts: number; lastError: string | null } | undefined);
        return job && job.attempts >= 1 && job.lastError ? job : undefined;
      },
      10_000,
      'the first attempt to fail',
    );
    expect(failed.lastError).to.match(/451|unavailable/i);
    expect(smtp.to(to)).to.have.length(0);
    await smtp.waitFor(to, () => true, 20_000);
    await waitUntil(async () => (await jobsFor(jobKey)).length === 0, 10_000, 'the job to complete');
    expect(smtp.to(to)).to.have.length(1);
    const ledger = await testContext().knex('emailDeliveries').where({ ledgerKey });
    expect(ledger).to.have.length(1);
  });
});
