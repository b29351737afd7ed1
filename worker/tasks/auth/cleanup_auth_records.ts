import { db } from '../../../db/knex.js';
import { services } from '../../../lib/services.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      cleanup_auth_records: Static<typeof CronPayload>;
    }
  }
}

/**
 * Deletes auth rows that can no longer matter (hourly): revoked tokens past their expiry (the JWT
 * itself is refused by then), rate-limit windows that have ended, and verification links and OTPs
 * a day after they were settled or expired. Deleting is idempotent, so overlapping runs are harmless.
 */
export const cleanupAuthRecordsTask = defineTask('cleanup_auth_records', CronPayload, async () => {
  const knex = db();
  const [tokens, windows, resets, verifications] = await Promise.all([
    knex('revokedTokens').where('expiresAt', '<', knex.fn.now()).delete(),
    knex('rateLimits').whereRaw(`window_start < now() - interval '1 hour'`).delete(),
    knex('passwordResets').whereRaw(`created_at < now() - interval '1 day'`).delete(),
    knex('emailVerifications')
      .whereRaw(
        `(used_at is not null or voided_at is not null or expires_at < now()) and created_at < now() - interval '1 day'`,
      )
      .delete(),
  ]);
  services().logger.info({ tokens, windows, resets, verifications }, 'cleaned up auth records');
});
