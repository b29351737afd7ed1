import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { failedEmailJob } from '../helpers/failed-job.js';
import { createUser, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

/** Queues a job of a task no worker knows, so it stays exactly where the test puts it. */
async function parkedJob(
  task: string,
  payload: Record<string, unknown> = {},
  opts: { runAt?: Date; maxAttempts?: number } = {},
) {
  const { rows } = await testContext().knex.raw(
    `select (graphile_worker.add_job(?, ?::json, run_at => ?, max_attempts => ?)).id::text as id`,
    [task, JSON.stringify(payload), opts.runAt?.toISOString() ?? null, opts.maxAttempts ?? 25],
  );
  return rows[0].id as string;
}

const knex = () => testContext().knex;
const jobExists = async (id: string) =>
  (await knex().raw('select 1 from graphile_worker.jobs where id = ?::bigint', [id])).rows.length > 0;
const auditRows = async (
  id: string,
): Promise<{ actorId: string | null; action: string; details: Record<string, unknown> }[]> =>
  knex()('auditEvents').where({ entity: 'job', entityId: id }).orderBy('id');

describe('jobs admin API', () => {
  let admin: TestUser;
  let superAdmin: TestUser;
  before(async () => {
    admin = await createUser('admin');
    superAdmin = await createUser('super-admin');
  });

  it('shows a failed email job, retries it so the email goes out (200), and keeps its history', async () => {
    const to = uniqueEmail('jobs');
    const id = await failedEmailJob(to);

    const list = await api.as(admin.token).get(`/admin/jobs?state=failed&task=send_email&limit=100`);
    expect(list.status).to.equal(200);
    const listed = list.body.items.find((j: { id: string }) => j.id === id);
    expect(listed).to.include({
      task: 'send_email',
      state: 'failed',
      attempts: 1,
      maxAttempts: 1,
      permanentlyFailed: true,
    });
    expect(listed.lastError).to.match(/Mailbox temporarily unavailable|451/);

    const shown = await waitUntil(
      async () => {
        const r = await api.as(admin.token).get(`/admin/jobs/${id}`);
        return r.body.runs?.length === 1 ? r : undefined;
      },
      5000,
      'the failed run in the history',
    );
    expect(shown.body).to.include({ id, state: 'failed', attempts: 1, maxAttempts: 1, lockedBy: null });
    expect(shown.body.payload).to.include({ to, template: 'system_notification' });
    expect(shown.body.runs[0]).to.include({ attempt: 1, outcome: 'failed', final: true });

    const retried = await api.as(admin.token).post(`/admin/jobs/${id}/retry`);
    expect(retried.status).to.equal(200);
    expect(retried.body).to.include({ id, attempts: 0, maxAttempts: 1 });
    expect(['queued', 'running']).to.include(retried.body.state);

    await testContext().smtp.waitFor(to);
    await waitUntil(async () => !(await jobExists(id)), 10_000, 'the retried job to complete');
    const done = await waitUntil(
      async () => {
        const r = await api.as(admin.token).get(`/admin/jobs/${id}`);
        return r.body.state === 'completed' ? r : undefined;
      },
      5000,
      'the completed run in the history',
    );
    expect(done.body.runs.map((r: { outcome: string }) => r.outcome)).to.deep.equal(['completed', 'failed']);
    expect(done.body.payload).to.equal(null);

    const completed = await api.as(admin.token).get(`/admin/jobs?state=completed&task=send_email&limit=100`);
    expect(completed.body.items.map((j: { id: string }) => j.id)).to.include(id);

    const audit = await auditRows(id);
    expect(audit.map((a) => a.action)).to.deep.equal(['job.retry']);
    expect(audit[0].actorId).to.equal(admin.id);
    expect(audit[0].details).to.include({ via: 'api', task: 'send_email' });
  });

  it('cancels a scheduled job (200 permanently failed), then removes it (200) so it is gone (404)', async () => {
    const task = `ops_test_cancel_${randomUUID().slice(0, 8)}`;
    const id = await parkedJob(task, {}, { runAt: new Date(Date.now() + 3600_000) });
    const before = await api.as(superAdmin.token).get(`/admin/jobs/${id}`);
    expect(before.body).to.include({ state: 'scheduled', attempts: 0 });

    const cancelled = await api.as(superAdmin.token).post(`/admin/jobs/${id}/cancel`, {});
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body).to.include({ id, state: 'failed', permanentlyFailed: true, removed: false });
    expect(cancelled.body.lastError).to.contain(`administrator ${superAdmin.id}`);

    const removed = await api.as(superAdmin.token).post(`/admin/jobs/${id}/cancel`, { mode: 'remove' });
    expect(removed.status).to.equal(200);
    expect(removed.body.removed).to.equal(true);
    expect(await jobExists(id)).to.equal(false);
    const gone = await api.as(superAdmin.token).get(`/admin/jobs/${id}`);
    expect(gone.status).to.equal(404);
    expect(errorOf(gone).code).to.equal('not_found');
    expect((await auditRows(id)).map((a) => a.action)).to.deep.equal(['job.cancel', 'job.remove']);
  });

  it('refuses to retry or cancel a job a worker holds (409 invalid_transition) and lists it as running', async () => {
    const task = `ops_test_locked_${randomUUID().slice(0, 8)}`;
    const id = await parkedJob(task);
    // Simulates a worker holding the job; only graphile-worker's get_job would do this for real.
    await knex().raw(
      `update graphile_worker._private_jobs set locked_at = now(), locked_by = 'ops-test-worker' where id = ?::bigint`,
      [id],
    );
    try {
      const running = await api.as(admin.token).get(`/admin/jobs?state=running&task=${task}`);
      expect(
        running.body.items.map((j: { id: string; lockedBy: string }) => [j.id, j.lockedBy]),
      ).to.deep.equal([[id, 'ops-test-worker']]);
      for (const path of [`/admin/jobs/${id}/retry`, `/admin/jobs/${id}/cancel`]) {
        const res = await api.as(admin.token).post(path, {});
        expect(res.status, path).to.equal(409);
        expect(errorOf(res).code).to.equal('invalid_transition');
      }
      expect(await auditRows(id)).to.have.length(0);
    } finally {
      await knex().raw(`select graphile_worker.force_unlock_workers(array['ops-test-worker'])`);
      await knex().raw(`select graphile_worker.complete_jobs(array[?::bigint])`, [id]);
    }
  });

  it('bulk-retries the failed jobs of one task (200 with their ids) and leaves other tasks alone', async () => {
    const task = `ops_test_bulk_${randomUUID().slice(0, 8)}`;
    const other = `ops_test_other_${randomUUID().slice(0, 8)}`;
    const ids = [
      await parkedJob(task, {}, { maxAttempts: 1 }),
      await parkedJob(task, {}, { maxAttempts: 1 }),
    ];
    const otherId = await parkedJob(other, {}, { maxAttempts: 1 });
    await knex().raw(`select graphile_worker.permanently_fail_jobs(?::bigint[], 'boom')`, [
      [...ids, otherId],
    ]);
    try {
      const failed = await api.as(admin.token).get(`/admin/jobs?state=failed&task=${task}`);
      expect(failed.body.items).to.have.length(2);

      const res = await api.as(admin.token).post('/admin/jobs/retry', { task, state: 'failed' });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ retried: 2, jobIds: [...ids].sort((a, b) => Number(a) - Number(b)) });
      const queued = await api.as(admin.token).get(`/admin/jobs?state=queued&task=${task}`);
      expect(queued.body.items.map((j: { id: string }) => j.id).sort()).to.deep.equal([...ids].sort());
      const untouched = await api.as(admin.token).get(`/admin/jobs/${otherId}`);
      expect(untouched.body.state).to.equal('failed');

      const audit = await knex()('auditEvents')
        .where({ entity: 'job', action: 'job.bulk_retry' })
        .whereRaw(`details->>'task' = ?`, [task]);
      expect(audit).to.have.length(1);
      expect(audit[0].details).to.include({ count: 2, state: 'failed' });
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [[...ids, otherId]]);
    }
  });

  it('pages through jobs newest first with a cursor and filters by creation time', async () => {
    const task = `ops_test_page_${randomUUID().slice(0, 8)}`;
    const ids = [await parkedJob(task), await parkedJob(task), await parkedJob(task)];
    try {
      const first = await api.as(admin.token).get(`/admin/jobs?task=${task}&limit=2`);
      expect(first.body.items.map((j: { id: string }) => j.id)).to.deep.equal([ids[2], ids[1]]);
      expect(first.body.nextCursor).to.be.a('string');
      const second = await api
        .as(admin.token)
        .get(`/admin/jobs?task=${task}&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body).to.deep.include({ nextCursor: null });
      expect(second.body.items.map((j: { id: string }) => j.id)).to.deep.equal([ids[0]]);
      const future = new Date(Date.now() + 60_000).toISOString();
      const none = await api
        .as(admin.token)
        .get(`/admin/jobs?task=${task}&from=${encodeURIComponent(future)}`);
      expect(none.body.items).to.deep.equal([]);
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [ids]);
    }
  });

  it('redacts passwords, tokens, OTPs and secrets in a job payload at any depth', async () => {
    const task = `ops_test_redact_${randomUUID().slice(0, 8)}`;
    const id = await parkedJob(task, {
      userId: 'u1',
      otp: '123456',
      nested: { resetToken: 'abc', list: [{ password: 'hunter22', keep: 1 }], apiSecret: 's' },
      Authorization: 'Bearer x',
    });
    try {
      const res = await api.as(admin.token).get(`/admin/jobs/${id}`);
      expect(res.body.payload).to.deep.equal({
        userId: 'u1',
        otp: '[redacted]',
        nested: {
          resetToken: '[redacted]',
          list: [{ password: '[redacted]', keep: 1 }],
          apiSecret: '[redacted]',
        },
        Authorization: '[redacted]',
      });
      expect(res.text).not.to.contain('123456').and.not.to.contain('hunter22');
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(array[?::bigint])`, [id]);
    }
  });

  it('reports counts per task and state, the oldest queued age and the last hour of failures', async () => {
    const task = `ops_test_stats_${randomUUID().slice(0, 8)}`;
    const ids = [
      await parkedJob(task),
      await parkedJob(task, {}, { runAt: new Date(Date.now() + 3600_000) }),
    ];
    try {
      const res = await api.as(admin.token).get('/admin/jobs/stats');
      expect(res.status).to.equal(200);
      const row = res.body.tasks.find((t: { task: string }) => t.task === task);
      expect(row).to.include({ queued: 1, scheduled: 1, running: 0, failed: 0 });
      expect(res.body.totals.queued).to.be.at.least(1);
      expect(res.body.oldestQueuedAgeSeconds).to.be.a('number').and.at.least(0);
      expect(res.body.failuresLastHour).to.be.a('number');
      expect(res.body.liveWorkers).to.be.at.least(1);
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [ids]);
    }
  });

  it('answers bad input with 400 and unknown jobs with 404, never 5xx', async () => {
    const as = api.as(admin.token);
    const cases: [Promise<{ status: number }>, number][] = [
      [as.get('/admin/jobs?state=stuck'), 400],
      [as.get('/admin/jobs?limit=0'), 400],
      [as.get('/admin/jobs?cursor=not-a-cursor'), 400],
      [as.get('/admin/jobs?from=yesterday'), 400],
      [as.get('/admin/jobs?task=' + encodeURIComponent("x' or 1=1")), 400],
      [as.get('/admin/jobs/abc'), 400],
      [as.get('/admin/jobs/999999999999'), 404],
      [as.post('/admin/jobs/999999999999/retry'), 404],
      [as.post('/admin/jobs/999999999999/cancel', { mode: 'fail' }), 404],
      [as.post('/admin/jobs/1/cancel', { mode: 'explode' }), 400],
      [as.post('/admin/jobs/retry', { state: 'running' }), 400],
      [as.post('/admin/jobs/retry', { task: 'x', extra: true }), 400],
    ];
    for (const [p, status] of cases) {
      const res = (await p) as Awaited<ReturnType<typeof as.get>>;
      expect(res.status, res.text).to.equal(status);
      errorOf(res);
    }
  });

  it('lets only admins and super-admins in (401 without a token, 403 for every other role)', async () => {
    const routes: [string, string][] = [
      ['GET', '/admin/jobs'],
      ['GET', '/admin/jobs/stats'],
      ['GET', '/admin/jobs/999999999999'],
      ['POST', '/admin/jobs/999999999999/retry'],
      ['POST', '/admin/jobs/999999999999/cancel'],
      ['POST', '/admin/jobs/retry'],
    ];
    const others = await Promise.all(
      (['doctor', 'nurse', 'staff', 'patient'] as const).map((r) => createUser(r)),
    );
    const subAdmin = await createUser('admin', { adminRoles: ['appointment-manager'] });
    for (const [method, path] of routes) {
      // A bulk retry names a task no test uses, so the matrix never retries other tests' jobs.
      const body =
        method === 'POST'
          ? path === '/admin/jobs/retry'
            ? { task: 'ops_test_matrix_none' }
            : {}
          : undefined;
      expect(
        (await request(method, `/api/v1${path}`, { body })).status,
        `${method} ${path} anonymous`,
      ).to.equal(401);
      for (const u of others) {
        const res = await request(method, `/api/v1${path}`, { token: u.token, body });
        expect(res.status, `${method} ${path} as ${u.role}`).to.equal(403);
      }
      for (const u of [admin, superAdmin, subAdmin]) {
        const res = await request(method, `/api/v1${path}`, { token: u.token, body });
        expect(res.status, `${method} ${path} as ${u.role}`).to.be.oneOf([200, 404]);
      }
    }
  });
});
