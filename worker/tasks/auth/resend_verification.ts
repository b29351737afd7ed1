import { startVerificationResend } from '../../../domain/auth/verify-email.js';
import { Type, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

export const ResendVerificationPayload = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320 }),
});
export type ResendVerificationPayload = Static<typeof ResendVerificationPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      resend_verification: Static<typeof ResendVerificationPayload>;
    }
  }
}

/**
 * Handles one resend-verification request off the request path, so known and unknown addresses
 * cost the caller the same: an unverified account gets a new link (its email job), any other
 * address nothing. The job's creation time tells a re-run from a new request.
 */
export const resendVerificationTask = defineTask(
  'resend_verification',
  ResendVerificationPayload,
  async ({ email }, helpers) => {
    await startVerificationResend(email, new Date(helpers.job.created_at));
  },
);
