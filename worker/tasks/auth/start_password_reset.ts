import { startPasswordReset } from '../../../domain/auth/forgot-password.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    start_password_reset: { email: string };
  }
}

/**
 * Handles one forgot-password request off the request path, so known and unknown addresses cost
 * the caller the same: an existing account gets a new reset (and its OTP email job), any other
 * address nothing. The job's creation time tells a re-run from a new request.
 */
export const startPasswordResetTask = defineTask(
  'start_password_reset',
  {
    type: 'object',
    required: ['email'],
    properties: { email: { type: 'string', minLength: 3, maxLength: 320 } },
  },
  async ({ email }, helpers) => {
    await startPasswordReset(email, new Date(helpers.job.created_at));
  },
);
