import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import { addJob } from '../../db/jobs.js';
import { deliverEmail, type EmailRequest } from '../../domain/email/deliver.js';
import { testContext } from '../helpers/context.js';
import { uniqueEmail } from '../helpers/factories.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const request = (to: string, ledgerKey = `ledger-test:${randomUUID()}`): EmailRequest => ({
  ledgerKey,
  template: 'system_notification',
  to,
  vars: { recipientName: 'Ledger Test', title: 'Ledger check', body: 'Hello from the ledger test.' },
});

const ledgerRows = (ledgerKey: string) => testContext().knex('emailDeliveries').where({ ledgerKey });

/**
 * Another worker that claimed `ledgerKey` and is "in the middle of its SMTP send": its own session
 * with the uncommitted ledger row, as deliverEmail leaves it around the send.
 */
async function claimInOtherSession(ledgerKey: string, to: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testContext().databaseUrl });
  // Terminating this session (below) makes the client emit an error; that is the point.
  client.on('error', () => {});
  await client.connect();
  await client.query('begin');
  await client.query(
    `insert into email_deliveries (ledger_key, template, recipient, message_id) values ($1, 'system_notification', $2, '<other@worker>')`,
    [ledgerKey, to],
  );
  return client;
}

/** Waits until a session is blocked on a lock while inserting into the ledger. */
const waitForBlockedClaim = () =>
  waitUntil(
    async () => {
      const { rows } = await testContext().knex.raw(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%insert into email_deliveries%'`,
      );
      return rows[0].n > 0;
    },
    10_000,
    'a delivery blocked on the claimed ledger key',
  );

describe('email ledger (deliverEmail)', () => {
  beforeEach(() => drainJobs());

  it('stores the Message-ID the recipient received, and a second delivery sends nothing', async () => {
    const { smtp } = testContext();
    const to = uniqueEmail('ledger-id');
    const req = request(to);
    const first = await deliverEmail(req);
    expect(first.sent).to.equal(true);
    const mail = await smtp.waitFor(to);
    expect(mail.messageId)
      .to.be.a('string')
      .and.match(/^<[0-9a-f-]{36}@[^<>@\s]+>$/);
    expect(first.messageId).to.equal(mail.messageId);
    const rows = await ledgerRows(req.ledgerKey);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ messageId: mail.messageId, recipient: to, template: 'system_notification' });
    expect(await deliverEmail(req)).to.deep.equal({ sent: false });
    expect(smtp.to(to)).to.have.length(1);
  });

  it('writes hostile ledger keys and recipients exactly as given (the claim is one quoted message)', async () => {
    const { smtp } = testContext();
    const address = uniqueEmail('ledger-quote');
    const to = `"O'Brien \\ Ledger; --" <${address}>`;
    const ledgerKey = `ledger-test:${randomUUID()}:it's a \\'key\\'; rollback; drop table users; -- $1 \u00e9\u{1f600}`;
    expect((await deliverEmail(request(to, ledgerKey))).sent).to.equal(true);
    await smtp.waitFor(address);
    const rows = await ledgerRows(ledgerKey);
    expect(rows).to.have.length(1);
    expect(rows[0].recipient).to.equal(to);
    expect((await deliverEmail(request(to, ledgerKey))).sent).to.equal(false);
    expect(smtp.to(address)).to.have.length(1);
  });

  it('two concurrent deliveries of one key, the first refused by SMTP: the second waits, then sends exactly one', async () => {
    const { smtp } = testContext();
    const to = uniqueEmail('ledger-race');
    const req = request(to);
    smtp.rejectNext(1);
    const outcomes = await Promise.allSettled([deliverEmail(req), deliverEmail(req)]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    const sent = outcomes.filter((o) => o.status === 'fulfilled' && o.value.sent);
    expect(failed, 'the refused send fails its call').to.have.length(1);
    expect(String((failed[0] as PromiseRejectedResult).reason)).to.match(/451|unavailable/i);
    expect(sent, 'the waiting call claims the released key').to.have.length(1);
    const mail = await smtp.waitFor(to);
    expect(smtp.to(to)).to.have.length(1);
    const rows = await ledgerRows(req.ledgerKey);
    expect(rows).to.have.length(1);
    expect(rows[0].messageId).to.equal(mail.messageId);
  });

  it('a delivery waiting on another worker that commits its claim sends nothing', async () => {
    const { smtp } = testContext();
    const to = uniqueEmail('ledger-wait');
    const req = request(to);
    const other = await claimInOtherSession(req.ledgerKey, to);
    try {
      const pending = deliverEmail(req);
      await waitForBlockedClaim();
      await other.query('commit');
      expect(await pending).to.deep.equal({ sent: false });
    } finally {
      await other.end();
    }
    expect(smtp.to(to)).to.have.length(0);
    expect((await ledgerRows(req.ledgerKey))[0].messageId).to.equal('<other@worker>');
  });

  it('a delivery waiting on a worker that dies before its commit claims the key and sends once', async () => {
    const { smtp, knex } = testContext();
    const to = uniqueEmail('ledger-crash');
    const req = request(to);
    const other = await claimInOtherSession(req.ledgerKey, to);
    const pid: number = (await other.query('select pg_backend_pid() as pid')).rows[0].pid;
    try {
      const pending = deliverEmail(req);
      await waitForBlockedClaim();
      // The claimer's process dies mid-send: PostgreSQL rolls its claim back with the session.
      await knex.raw('select pg_terminate_backend(?)', [pid]);
      const result = await pending;
      expect(result.sent).to.equal(true);
      const mail = await smtp.waitFor(to);
      expect(mail.messageId).to.equal(result.messageId);
    } finally {
      await other.end().catch(() => {});
    }
    expect(smtp.to(to)).to.have.length(1);
    expect(await ledgerRows(req.ledgerKey)).to.have.length(1);
  });

  it('a send_email job run again after a successful send sends nothing and completes', async () => {
    const { smtp, knex } = testContext();
    const to = uniqueEmail('ledger-rerun');
    const req = request(to);
    const jobKey = `send_email:${req.ledgerKey}`;
    await knex.transaction((trx) => addJob(trx, 'send_email', req, { jobKey }));
    await smtp.waitFor(to);
    await waitUntil(async () => (await jobsFor(jobKey)).length === 0, 10_000, 'the first job to complete');
    // The same job again (as after a crash between the send and graphile-worker's completion).
    await knex.transaction((trx) => addJob(trx, 'send_email', req, { jobKey }));
    await waitUntil(async () => (await jobsFor(jobKey)).length === 0, 10_000, 'the second job to complete');
    expect(smtp.to(to)).to.have.length(1);
    expect(await ledgerRows(req.ledgerKey)).to.have.length(1);
  });
});
