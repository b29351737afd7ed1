import { startVerificationResend } from '../../../domain/auth/verify-email.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    resend_verification: { email: string };
  }
}

/**
 * Handles one resend-verification request off the request path, so known and unknown addresses
 * cost the caller the same: an unverified account gets a new link (its email job), any other
 * address nothing. The job's creation time tells a re-run from a new request.
 */
export const resendVerificationTask = defineTask(
  'resend_verification',
  {
    type: 'object',
    required: ['email'],
    properties: { email: { type: 'string', minLength: 3, maxLength: 320 } },
  },
  async ({ email }, helpers) => {
    await startVerificationResend(email, new Date(helpers.job.created_at));
  },
);
