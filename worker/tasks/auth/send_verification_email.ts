import { db } from '../../../db/knex.js';
import { generateLinkToken, hashLinkToken, VERIFICATION_TTL_HOURS } from '../../../domain/auth/secrets.js';
import { deliverEmail } from '../../../domain/email/deliver.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const SendVerificationEmailPayload = Type.Object({ verificationId: Uuid });
export type SendVerificationEmailPayload = Static<typeof SendVerificationEmailPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_verification_email: Static<typeof SendVerificationEmailPayload>;
    }
  }
}

/**
 * Makes the verification link of one `email_verifications` row and emails it. The token is born
 * here and only its hash is stored, so it is never in a job payload or a log. Runs once per row:
 * a verification that was used or voided, an already verified account, or a message already in
 * the email ledger means there is nothing to do. An advisory lock keeps two copies of the job from
 * storing different tokens.
 */
export const sendVerificationEmailTask = defineTask(
  'send_verification_email',
  SendVerificationEmailPayload,
  async ({ verificationId }) => {
    const ledgerKey = `welcome_verify_email:${verificationId}`;
    await db().transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [ledgerKey]);
      const row = await trx({ v: 'emailVerifications' })
        .join({ u: 'users' }, 'u.id', 'v.userId')
        .where('v.id', verificationId)
        .first('v.id', 'v.usedAt', 'v.voidedAt', 'u.name', 'u.email', 'u.emailVerified', 'u.status');
      if (!row || row.usedAt || row.voidedAt || row.emailVerified || row.status === 'removed') return;
      if (await trx('emailDeliveries').where({ ledgerKey }).first('ledgerKey')) return;
      // No message went out for this row yet (or a send failed after the hash was stored, and that
      // token is lost): make a new token, replacing any earlier hash. The hash is committed on its
      // own connection before the email leaves, so a link that arrives always works; the lock held
      // by `trx` until after the send keeps a second copy of this job out meanwhile.
      const token = generateLinkToken();
      await db()('emailVerifications')
        .where({ id: verificationId })
        .update({
          tokenHash: hashLinkToken(token),
          expiresAt: db().raw(`now() + make_interval(hours => ?)`, [VERIFICATION_TTL_HOURS]),
        });
      const { appUrl } = services().config;
      await deliverEmail({
        ledgerKey,
        template: 'welcome_verify_email',
        to: row.email,
        vars: {
          recipientName: row.name,
          verifyUrl: `${appUrl}/verify-email?token=${encodeURIComponent(token)}`,
          expiresInHours: VERIFICATION_TTL_HOURS,
        },
      });
    });
  },
);
