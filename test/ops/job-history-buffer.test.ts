import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import { JobHistoryRecorder, type JobRun } from '../../domain/jobs/history.js';
import { testContext } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

const run = (task: string, i: number): JobRun => ({
  jobId: String(1_000_000 + i),
  task,
  jobKey: null,
  attempt: 1,
  maxAttempts: 1,
  outcome: 'completed',
  final: false,
  error: null,
  workerId: 'test',
  startedAt: new Date(),
  finishedAt: new Date(),
  durationMs: 1,
});

describe('job history buffer', () => {
  it('keeps runs through a refused write, bounded, and writes them once the database accepts again', async () => {
    const { databaseUrl, knex } = testContext();
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, statement_timeout: 300 });
    pool.on('error', () => {});
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    const task = `ops_buffer_${randomUUID().slice(0, 8)}`;
    const recorder = new JobHistoryRecorder(pool, { flushMs: 20, retryMs: 50, maxPending: 5 });
    try {
      // An exclusive lock makes every write time out, as a database in trouble would.
      await locker.query('begin; lock table job_history in access exclusive mode');
      for (let i = 0; i < 3; i++) recorder.add(run(task, i));
      await recorder.flush();
      expect(recorder.pending).to.equal(3);
      for (let i = 3; i < 8; i++) recorder.add(run(task, i));
      expect(recorder.pending).to.equal(5);
      await locker.query('commit');
      const rows = await waitUntil(
        async () => {
          const r = await knex('jobHistory').where({ task }).orderBy('jobId');
          return r.length === 5 ? r : undefined;
        },
        10_000,
        'the buffered runs in job_history',
      );
      // The oldest three were dropped when the bound was reached.
      expect(rows.map((r) => Number(r.jobId))).to.deep.equal([
        1_000_003, 1_000_004, 1_000_005, 1_000_006, 1_000_007,
      ]);
      expect(recorder.pending).to.equal(0);
      const totals = await knex('jobTaskTotals').where({ task }).first();
      expect(Number(totals.completed)).to.equal(5);
    } finally {
      await locker.end();
      await pool.end();
    }
  });
});
