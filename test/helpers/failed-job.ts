import { randomUUID } from 'node:crypto';
import { addJob } from '../../db/jobs.js';
import { testContext } from './context.js';
import { waitUntil } from './wait.js';

/**
 * Queues a `send_email` job with one attempt while the SMTP inbox refuses the next delivery, and
 * waits until graphile-worker has recorded the failure: a real failed job for admin tests.
 */
export async function failedEmailJob(to: string, ledgerPrefix = 'ops_test'): Promise<string> {
  const { knex, smtp } = testContext();
  smtp.rejectNext(1);
  const { id } = await addJob(
    knex,
    'send_email',
    {
      ledgerKey: `${ledgerPrefix}:${randomUUID()}`,
      template: 'system_notification',
      to,
      vars: { title: 'Ops test', recipientName: 'Ops', body: 'Hello' },
    },
    { maxAttempts: 1 },
  );
  await waitUntil(
    async () =>
      (
        await knex.raw(
          'select 1 from graphile_worker.jobs where id = ?::bigint and locked_at is null and last_error is not null',
          [id],
        )
      ).rows.length,
    15_000,
    'the email job to fail',
  );
  return id;
}
