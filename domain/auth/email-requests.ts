import { createHash } from 'node:crypto';
import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';

/**
 * Queues the job that handles a request made with only an email address (forgot password, resend
 * verification), and does nothing else: known, unknown, removed and suspended addresses take the
 * same path (one transaction, one keyed job), so neither the answer nor its timing tells whether
 * the address has an account; the job decides. The key is a hash of the address, so repeated
 * requests before the job runs collapse into one and no address appears in job keys.
 */
export async function queueEmailRequest(
  task: 'start_password_reset' | 'resend_verification',
  email: string,
): Promise<void> {
  const normalised = email.trim().toLowerCase();
  const digest = createHash('sha256').update(normalised).digest('hex').slice(0, 32);
  await withTransaction(async (trx) => {
    await addJob(trx, task, { email: normalised }, { jobKey: `${task}:${digest}`, maxAttempts: 5 });
  });
}
