import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { addJob } from '../../db/jobs.js';
import { pruneJobHistory } from '../../domain/jobs/history.js';
import { testContext } from '../helpers/context.js';
import { drainJobs } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const knex = () => testContext().knex;

describe('job history', () => {
  it('records every run with outcome, attempt, duration and error, and adds to the per-task totals', async () => {
    const before = (await knex()('jobTaskTotals').where({ task: 'send_email' }).first()) ?? {
      completed: 0,
      failed: 0,
    };
    testContext().smtp.rejectNext(1);
    const to = `history-${randomUUID().slice(0, 8)}@test.clinicflow.dev`;
    const { id } = await addJob(
      knex(),
      'send_email',
      {
        ledgerKey: `ops_history:${randomUUID()}`,
        template: 'system_notification',
        to,
        vars: { title: 'History', recipientName: 'Ops', body: 'Hi' },
      },
      { maxAttempts: 2 },
    );
    // The first attempt fails; instead of waiting out graphile-worker's backoff the test makes it due again.
    const runs = await waitUntil(
      async () => {
        const r = await knex()('jobHistory').where({ jobId: id }).orderBy('id');
        if (r.length === 1 && r[0].outcome === 'failed') {
          await knex().raw(`select graphile_worker.reschedule_jobs(array[?::bigint], run_at => now())`, [id]);
        }
        return r.length === 2 ? r : undefined;
      },
      15_000,
      'two runs in the history',
    );
    expect(runs.map((r) => [r.attempt, r.outcome, r.final])).to.deep.equal([
      [1, 'failed', false],
      [2, 'completed', false],
    ]);
    expect(runs[0].error).to.match(/451|unavailable/i);
    expect(runs[1].error).to.equal(null);
    expect(runs[0].workerId).to.be.a('string');
    for (const r of runs) expect(r.durationMs).to.be.at.least(0);
    await testContext().smtp.waitFor(to);
    const after = await knex()('jobTaskTotals').where({ task: 'send_email' }).first();
    expect(Number(after.completed) - Number(before.completed)).to.be.at.least(1);
    expect(Number(after.failed) - Number(before.failed)).to.be.at.least(1);
    expect(after.durationBuckets.reduce((a: number, b: number) => a + Number(b), 0)).to.equal(
      Number(after.completed) + Number(after.failed),
    );
  });

  it('prune_job_history removes runs older than JOB_HISTORY_DAYS and keeps newer ones', async () => {
    const task = `ops_test_prune_${randomUUID().slice(0, 8)}`;
    const row = (daysAgo: number) => ({
      jobId: 1,
      task,
      attempt: 1,
      maxAttempts: 1,
      outcome: 'completed',
      startedAt: knex().raw(`now() - make_interval(days => ?)`, [daysAgo]),
      finishedAt: knex().raw(`now() - make_interval(days => ?)`, [daysAgo]),
      durationMs: 1,
    });
    const days = testContext().config.jobHistoryDays;
    await knex()('jobHistory').insert([row(days + 1), row(days - 1)]);
    await addJob(knex(), 'prune_job_history', {});
    await drainJobs('prune_job_history');
    const left = await knex()('jobHistory').where({ task });
    expect(left).to.have.length(1);
    expect(await pruneJobHistory(knex(), days)).to.equal(0);
  });

  it('keeps a heartbeat for the running worker pool', async () => {
    const rows = await knex()('workerHeartbeats')
      .where('lastSeen', '>', knex().raw(`now() - interval '1 minute'`))
      .where({ pid: process.pid });
    expect(rows.length).to.be.at.least(1);
  });
});
