import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CONSOLE_CSP } from '../../api/routes/console/static.js';
import { createMailer } from '../../lib/mailer.js';
import { listOutbox, readOutboxEmail } from '../../lib/outbox.js';
import { services, setServices } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { failedEmailJob } from '../helpers/failed-job.js';
import { createUser, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

const knex = () => testContext().knex;

/** Queues a job of a task no worker knows, so it stays exactly where the test puts it. */
async function parkedJob(task: string, payload: Record<string, unknown> = {}, runAt?: Date): Promise<string> {
  const { rows } = await knex().raw(
    `select (graphile_worker.add_job(?, ?::json, run_at => ?)).id::text as id`,
    [task, JSON.stringify(payload), runAt?.toISOString() ?? null],
  );
  return rows[0].id as string;
}

const removeJobs = (ids: string[]) => knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [ids]);

const inAnHour = () => new Date(Date.now() + 3600_000 * 24);

describe('operator console API', () => {
  let admin: TestUser;
  let staff: TestUser;
  let patient: TestUser;
  before(async () => {
    admin = await createUser('admin');
    staff = await createUser('staff');
    patient = await createUser('patient');
  });

  it('serves the console page under a strict CSP that allows no inline script or style (200)', async () => {
    for (const p of [
      '/console',
      '/console/jobs',
      '/console/jobs/42',
      '/console/schedules',
      '/console/outbox',
    ]) {
      const res = await fetch(testContext().baseUrl + p);
      expect(res.status, p).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.headers.get('content-security-policy')).to.equal(CONSOLE_CSP);
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      const html = await res.text();
      expect(html).to.match(/\/console\/assets\/[a-z-]+\.js/);
      expect(html).not.to.match(/<script>|style=|<style/);
    }
    const js = await fetch(`${testContext().baseUrl}/console/assets/console.js`);
    expect(js.headers.get('content-type')).to.match(/javascript/);
    expect(js.headers.get('content-security-policy')).to.equal(CONSOLE_CSP);
    expect((await fetch(`${testContext().baseUrl}/console/assets/..%2Fstatic.ts`)).status).to.equal(400);
    expect((await fetch(`${testContext().baseUrl}/console/assets/console.html`)).status).to.equal(400);
  });

  it('refuses the dashboard and schedules to non-admins (403) and to anonymous callers (401)', async () => {
    for (const p of ['/admin/console/dashboard', '/admin/console/schedules', '/admin/jobs/count']) {
      for (const u of [staff, patient]) expect((await api.as(u.token).get(p)).status, p).to.equal(403);
      expect((await request('GET', p)).status, p).to.equal(401);
    }
    const res = await api.as(staff.token).post('/admin/jobs/cancel', { state: 'scheduled' });
    expect(res.status).to.equal(403);
  });

  it('shows a failed email job on the dashboard: counts, runs per minute, pools and the last error (200)', async () => {
    const id = await failedEmailJob(uniqueEmail('console'), 'console_test');
    try {
      const d = await waitUntil(
        async () => {
          const r = await api.as(admin.token).get('/admin/console/dashboard');
          return r.body.recentFailures?.some((f: { jobId: string }) => f.jobId === id) ? r : undefined;
        },
        5000,
        'the failure on the dashboard',
      );
      expect(d.status).to.equal(200);
      const failure = d.body.recentFailures.find((f: { jobId: string }) => f.jobId === id);
      expect(failure).to.include({ task: 'send_email', attempt: 1, final: true });
      expect(failure.error).to.match(/Mailbox temporarily unavailable|451/);
      expect(d.body.stats.totals.failed).to.be.at.least(1);
      const { hour, day } = d.body.throughput;
      expect(hour.bucketSeconds).to.equal(60);
      expect(hour.points).to.have.length(60);
      expect(day.bucketSeconds).to.equal(900);
      expect(day.points).to.have.length(96);
      expect(hour.points.at(-1).failed + hour.points.at(-2).failed).to.be.at.least(1);
      // Every bucket is one minute after the one before, the last one is the current minute.
      expect(Date.parse(hour.points[1].at) - Date.parse(hour.points[0].at)).to.equal(60_000);
      expect(Date.now() - Date.parse(hour.points.at(-1).at)).to.be.within(0, 60_000);
      const { rows } = await knex().raw(
        `select count(*)::int as n from job_history where outcome = 'failed' and finished_at >= ?`,
        [hour.points[0].at],
      );
      expect(hour.points.reduce((n: number, p: { failed: number }) => n + p.failed, 0)).to.equal(rows[0].n);
      const live = d.body.pools.filter((p: { live: boolean }) => p.live);
      expect(live.length).to.be.at.least(1);
      expect(live[0].heartbeatAgeSeconds).to.be.below(120);
    } finally {
      await removeJobs([id]);
    }
  });

  it('lists the crontab with next run times and groups scheduled jobs due within the hour by task (200)', async () => {
    const task = `console_due_${randomUUID().slice(0, 8)}`;
    const soon = [
      await parkedJob(task, {}, new Date(Date.now() + 20 * 60_000)),
      await parkedJob(task, {}, new Date(Date.now() + 40 * 60_000)),
    ];
    const later = await parkedJob(task, {}, new Date(Date.now() + 3 * 3600_000));
    try {
      const res = await api.as(admin.token).get('/admin/console/schedules');
      expect(res.status).to.equal(200);
      expect(res.body.withinMinutes).to.equal(60);
      const sweep = res.body.crontab.find((c: { task: string }) => c.task === 'recover_stale_workers');
      expect(sweep.schedule).to.equal('* * * * *');
      expect(sweep.nextRuns).to.have.length(3);
      const next = Date.parse(sweep.nextRuns[0]);
      expect(next % 60_000).to.equal(0);
      expect(next - Date.now()).to.be.within(0, 60_000);
      const prune = res.body.crontab.find((c: { task: string }) => c.task === 'prune_job_history');
      expect(prune.schedule).to.equal('17 3 * * *');
      expect(new Date(prune.nextRuns[0]).getUTCHours()).to.equal(3);
      expect(new Date(prune.nextRuns[0]).getUTCMinutes()).to.equal(17);

      const group = res.body.dueSoon.find((g: { task: string }) => g.task === task);
      expect(group.count).to.equal(2);
      expect(group.jobs.map((j: { id: string }) => j.id)).to.deep.equal(soon);
      expect(group.firstRunAt).to.equal(group.jobs[0].runAt);
      const wide = await api.as(admin.token).get('/admin/console/schedules?withinMinutes=240');
      expect(wide.body.dueSoon.find((g: { task: string }) => g.task === task).count).to.equal(3);
    } finally {
      await removeJobs([...soon, later]);
    }
  });

  it('searches jobs by payload recipient and ids, never by other payload fields (200)', async () => {
    const task = `console_search_${randomUUID().slice(0, 8)}`;
    const marker = randomUUID().slice(0, 8);
    const ids = [
      await parkedJob(task, { to: `alice-${marker}@example.test`, body: 'x' }, inAnHour()),
      await parkedJob(task, { appointmentId: `${marker}-appt` }, inAnHour()),
      await parkedJob(task, { body: `secret ${marker}` }, inAnHour()),
    ];
    try {
      const res = await api.as(admin.token).get(`/admin/jobs?task=${task}&q=${marker.toUpperCase()}`);
      expect(res.status).to.equal(200);
      expect(res.body.items.map((j: { id: string }) => j.id).sort()).to.deep.equal(ids.slice(0, 2).sort());
      const none = await api.as(admin.token).get(`/admin/jobs?task=${task}&q=${encodeURIComponent('%')}`);
      expect(none.body.items).to.have.length(0);
    } finally {
      await removeJobs(ids);
    }
  });

  it('counts a filtered set, then bulk-cancels exactly that set and nothing created after the count (200)', async () => {
    const task = `console_bulk_${randomUUID().slice(0, 8)}`;
    const ids = [
      await parkedJob(task, {}, inAnHour()),
      await parkedJob(task, {}, inAnHour()),
      await parkedJob(task, {}, inAnHour()),
    ];
    const extra: string[] = [];
    try {
      const count = await api.as(admin.token).get(`/admin/jobs/count?state=scheduled&task=${task}`);
      expect(count.status).to.equal(200);
      expect(count.body).to.deep.equal({ count: 3, maxId: ids[2] });
      extra.push(await parkedJob(task, {}, inAnHour()));

      const res = await api
        .as(admin.token)
        .post('/admin/jobs/cancel', { state: 'scheduled', task, maxId: count.body.maxId });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ cancelled: 3, jobIds: ids });

      const failed = await api.as(admin.token).get(`/admin/jobs?state=failed&task=${task}`);
      expect(failed.body.items.map((j: { id: string }) => j.id).sort()).to.deep.equal([...ids].sort());
      expect(failed.body.items[0].lastError).to.equal(`Cancelled by administrator ${admin.id}`);
      const later = await api.as(admin.token).get(`/admin/jobs/${extra[0]}`);
      expect(later.body.state).to.equal('scheduled');

      const audit = await knex()('auditEvents')
        .where({ entity: 'job', action: 'job.bulk_cancel' })
        .whereRaw(`details->>'task' = ?`, [task]);
      expect(audit).to.have.length(1);
      expect(audit[0].actorId).to.equal(admin.id);
      expect(audit[0].details).to.include({ count: 3, state: 'scheduled', maxId: ids[2], via: 'api' });

      // The same filter retried in bulk brings them back, audited as well.
      const retried = await api.as(admin.token).post('/admin/jobs/retry', { state: 'failed', task });
      expect(retried.body.retried).to.equal(3);
    } finally {
      await removeJobs([...ids, ...extra]);
    }
  });

  it('rejects a bulk action on running jobs or with unknown fields (400)', async () => {
    for (const body of [{ state: 'running' }, { state: 'failed', role: 'x' }, { maxId: 'abc' }]) {
      const res = await api.as(admin.token).post('/admin/jobs/cancel', body);
      expect(errorOf(res).code).to.equal('validation_failed');
    }
  });

  it('hides the development inbox while SMTP_URL is set (404 outbox_disabled)', async () => {
    for (const p of ['/outbox', '/outbox/x']) {
      const res = await request('GET', p);
      expect(res.status, p).to.equal(404);
      expect(errorOf(res).code).to.equal('outbox_disabled');
    }
    expect((await fetch(`${testContext().baseUrl}/console/outbox/x/html`)).status).to.equal(404);
  });

  describe('development inbox (no SMTP_URL)', () => {
    let dir: string;
    let saved: ReturnType<typeof services>;
    before(async () => {
      saved = services();
      dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-outbox-'));
      setServices({ ...saved, config: { ...saved.config, smtpUrl: undefined, dataDir: dir } });
      const mailer = createMailer({
        from: 'clinic <no-reply@clinic.test>',
        outboxDir: path.join(dir, 'outbox'),
      });
      await mailer.send({
        to: 'first@example.test',
        subject: 'First',
        text: 'Hello',
        html: '<p>Hello</p>',
      });
      await mailer.send({
        to: 'newcomer@example.test',
        subject: 'Reset your password',
        // Long enough that quoted-printable wraps the link in the file.
        text: `Your code is 493021.\nOr open https://clinic.test/reset?token=${'a'.repeat(90)}&user=7 now.`,
        html: `<html><head><title>x</title></head><body><a href="https://clinic.test/reset?token=${'a'.repeat(90)}&amp;user=7">Reset</a><script>alert(1)</script></body></html>`,
        attachments: [{ filename: 'receipt.txt', content: 'paid', contentType: 'text/plain' }],
      });
    });
    after(() => {
      setServices(saved);
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists emails newest first and decodes one: text, links unwrapped, codes, attachments (200)', async () => {
      const list = await request('GET', '/outbox');
      expect(list.status).to.equal(200);
      expect(list.body.items.map((m: { subject: string }) => m.subject)).to.deep.equal([
        'Reset your password',
        'First',
      ]);
      const id = list.body.items[0].id;
      const mail = await request('GET', `/outbox/${id}`);
      expect(mail.status).to.equal(200);
      const link = `https://clinic.test/reset?token=${'a'.repeat(90)}&user=7`;
      expect(mail.body).to.include({ to: 'newcomer@example.test', hasHtml: true });
      expect(mail.body.text).to.include(link);
      expect(mail.body.links).to.deep.equal([link]);
      expect(mail.body.codes).to.deep.equal(['493021']);
      expect(mail.body.attachments).to.deep.equal([
        { index: 0, filename: 'receipt.txt', contentType: 'text/plain', size: 4 },
      ]);
      const page = await listOutbox(path.join(dir, 'outbox'), { limit: 1 });
      expect(page.nextCursor).to.equal(id);
      const rest = await listOutbox(path.join(dir, 'outbox'), { limit: 1, before: page.nextCursor! });
      expect(rest.items.map((m) => m.subject)).to.deep.equal(['First']);
      expect(await readOutboxEmail(path.join(dir, 'outbox'), '..')).to.equal(undefined);
    });

    it('serves the HTML part under a policy without scripts, framed only by the console (200)', async () => {
      const id = (await request('GET', '/outbox')).body.items[0].id;
      const res = await fetch(`${testContext().baseUrl}/console/outbox/${id}/html`);
      expect(res.status).to.equal(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).to.include("default-src 'none'");
      expect(csp).to.include("frame-ancestors 'self'");
      expect(csp).to.match(/sandbox allow-popups/);
      expect(csp).not.to.include('allow-scripts');
      expect(csp).not.to.include('script-src');
      expect(await res.text()).to.include('<base target="_blank">');

      const file = await fetch(`${testContext().baseUrl}/console/outbox/${id}/attachments/0`);
      expect(file.status).to.equal(200);
      expect(file.headers.get('content-disposition')).to.include('receipt.txt');
      expect(await file.text()).to.equal('paid');
      expect((await fetch(`${testContext().baseUrl}/console/outbox/${id}/attachments/3`)).status).to.equal(
        404,
      );
      expect((await request('GET', '/outbox/..%2F..%2Fetc')).status).to.be.oneOf([400, 404]);
      expect((await request('GET', '/outbox/missing')).status).to.equal(404);
    });
  });
});
