import { db } from '../../../db/knex.js';
import { generateOtp, hashOtp, OTP_TTL_MINUTES } from '../../../domain/auth/secrets.js';
import { deliverEmail } from '../../../domain/email/deliver.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const SendPasswordResetOtpPayload = Type.Object({ resetId: Uuid });
export type SendPasswordResetOtpPayload = Static<typeof SendPasswordResetOtpPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_password_reset_otp: Static<typeof SendPasswordResetOtpPayload>;
    }
  }
}

/**
 * Makes the 6-digit OTP of one `password_resets` row with the CSPRNG, stores only its keyed hash
 * (with a fresh 10-minute expiry) and emails it. Does nothing when the reset was used or voided
 * (a newer request replaced it) or its message is already in the email ledger. An advisory lock
 * keeps two copies of the job from storing different codes.
 */
export const sendPasswordResetOtpTask = defineTask(
  'send_password_reset_otp',
  SendPasswordResetOtpPayload,
  async ({ resetId }) => {
    const ledgerKey = `password_reset_otp:${resetId}`;
    await db().transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [ledgerKey]);
      const row = await trx({ r: 'passwordResets' })
        .join({ u: 'users' }, 'u.id', 'r.userId')
        .where('r.id', resetId)
        .first('r.id', 'r.usedAt', 'r.voidedAt', 'u.name', 'u.email', 'u.status');
      if (!row || row.usedAt || row.voidedAt) return;
      if (row.status === 'removed' || row.status === 'suspended') return;
      if (await trx('emailDeliveries').where({ ledgerKey }).first('ledgerKey')) return;
      // As for verification links: committed on its own connection before the send, while `trx`
      // holds the lock; a retry after a failed send makes a new code (the old one is unrecoverable).
      const otp = generateOtp();
      await db()('passwordResets')
        .where({ id: resetId })
        .whereNull('usedAt')
        .whereNull('voidedAt')
        .update({
          otpHash: hashOtp(resetId, otp),
          expiresAt: db().raw(`now() + make_interval(mins => ?)`, [OTP_TTL_MINUTES]),
        });
      await deliverEmail({
        ledgerKey,
        template: 'password_reset_otp',
        to: row.email,
        vars: { recipientName: row.name, otp, expiresInMinutes: OTP_TTL_MINUTES },
      });
    });
  },
);
