import { startPasswordReset } from '../../../domain/auth/forgot-password.js';
import { Type, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

export const StartPasswordResetPayload = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320 }),
});
export type StartPasswordResetPayload = Static<typeof StartPasswordResetPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      start_password_reset: Static<typeof StartPasswordResetPayload>;
    }
  }
}

/**
 * Handles one forgot-password request off the request path, so known and unknown addresses cost
 * the caller the same: an existing account gets a new reset (and its OTP email job), any other
 * address nothing. The job's creation time tells a re-run from a new request.
 */
export const startPasswordResetTask = defineTask(
  'start_password_reset',
  StartPasswordResetPayload,
  async ({ email }, helpers) => {
    await startPasswordReset(email, new Date(helpers.job.created_at));
  },
);
