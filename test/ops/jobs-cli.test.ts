import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { failedEmailJob } from '../helpers/failed-job.js';
import { request } from '../helpers/http.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const knex = () => testContext().knex;
const login = (email: string, password: string) =>
  request('POST', '/auth/login', { body: { email, password } });

/** Runs `npm run jobs -- …` (bin/jobs.ts) against the test database; resolves with exit code and output. */
async function jobs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/jobs.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: testContext().databaseUrl, LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function parkedJob(task: string, payload: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await knex().raw(
    `select (graphile_worker.add_job(?, ?::json, max_attempts => 1)).id::text as id`,
    [task, JSON.stringify(payload)],
  );
  return rows[0].id;
}

describe('operator CLI (npm run jobs)', function () {
  this.timeout(60_000);

  it('lists, shows and retries a failed email job so the email goes out, auditing the operator', async () => {
    const to = `cli-${randomUUID().slice(0, 8)}@test.clinicflow.dev`;
    const id = await failedEmailJob(to, 'ops_cli');

    const list = await jobs('list', '--state', 'failed', '--task', 'send_email', '--json');
    expect(list.code, list.stderr).to.equal(0);
    expect(JSON.parse(list.stdout).items.map((j: { id: string }) => j.id)).to.include(id);
    const human = await jobs('list', '--state', 'failed', '--task', 'send_email');
    expect(human.stdout).to.match(new RegExp(`^${id}\\s+send_email\\s+failed`, 'm'));

    const show = await jobs('show', id, '--json');
    expect(JSON.parse(show.stdout)).to.deep.include({ id, state: 'failed', attempts: 1, maxAttempts: 1 });

    const retry = await jobs('retry', id);
    expect(retry.code, retry.stderr).to.equal(0);
    expect(retry.stdout).to.contain(`job ${id} (send_email) will run now`);
    await testContext().smtp.waitFor(to);

    const audit = await knex()('auditEvents').where({ entity: 'job', entityId: id, action: 'job.retry' });
    expect(audit).to.have.length(1);
    expect(audit[0].actorId).to.equal(null);
    expect(audit[0].details.via).to.equal('cli');
    expect(audit[0].details.osUser).to.be.a('string');
  });

  it('cancels, removes and bulk-retries by task, and prints stats', async () => {
    const task = `ops_test_cli_${randomUUID().slice(0, 8)}`;
    const [a, b] = [await parkedJob(task, { otp: '654321' }), await parkedJob(task)];
    try {
      const shown = await jobs('show', a, '--json');
      expect(JSON.parse(shown.stdout).payload).to.deep.equal({ otp: '[redacted]' });
      expect(shown.stdout).not.to.contain('654321');

      const cancel = await jobs('cancel', a, '--json');
      expect(cancel.code, cancel.stderr).to.equal(0);
      expect(JSON.parse(cancel.stdout)).to.include({ id: a, state: 'failed', removed: false });
      const bulk = await jobs('retry', '--all', '--task', task, '--json');
      expect(JSON.parse(bulk.stdout)).to.deep.equal({ retried: 1, jobIds: [a] });

      const stats = await jobs('stats', '--json');
      expect(JSON.parse(stats.stdout).tasks.find((t: { task: string }) => t.task === task)).to.include({
        queued: 2,
        failed: 0,
      });
      const statsHuman = await jobs('stats');
      expect(statsHuman.stdout).to.contain(task).and.to.contain('oldest queued job waiting');

      const removed = await jobs('cancel', b, '--remove');
      expect(removed.stdout).to.contain(`job ${b} (${task}) removed`);
      expect(
        (await knex().raw('select 1 from graphile_worker.jobs where id = ?::bigint', [b])).rows,
      ).to.have.length(0);
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [[a, b]]);
    }
  });

  it('exits 1 for an unknown job and 2 for bad usage', async () => {
    const missing = await jobs('show', '999999999999');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('not_found');
    expect((await jobs('frobnicate')).code).to.equal(2);
    expect((await jobs('retry')).code).to.equal(2);
    expect((await jobs('list', '--state', 'stuck')).code).to.equal(2);
  });

  it('lifts a sign-in lockout with `unlock <email>`: 429 before, 200 after, audited as lockout_cleared', async () => {
    const user = await createUser('staff');
    const limit = testContext().config.authRateLimitPerAccount;
    for (let i = 0; i < limit; i++)
      expect((await login(user.email, 'not the password')).status).to.equal(401);
    expect((await login(user.email, user.password)).status).to.equal(429);

    const unlock = await jobs('unlock', user.email.toUpperCase());
    expect(unlock.code, unlock.stderr).to.equal(0);
    expect(unlock.stdout).to.contain('can sign in again');
    expect((await login(user.email, user.password)).status).to.equal(200);
    const audit = await knex()('auditEvents').where({
      entity: 'user',
      entityId: user.id,
      action: 'lockout_cleared',
    });
    expect(audit).to.have.length(1);
    expect(audit[0].details.operator).to.contain('(cli)');
    expect((await jobs('unlock')).code).to.equal(2);
  });
});
