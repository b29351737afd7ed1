import { db } from '../../db/knex.js';
import { renderEmail } from '../../lib/email-templates.js';
import { services } from '../../lib/services.js';

export interface EmailRequest {
  /**
   * The business event this email belongs to, e.g. `appointment_confirmed:<id>:patient`.
   * An email whose key is in the ledger is never sent again, so a retried job cannot send twice.
   */
  ledgerKey: string;
  template: string;
  to: string;
  vars: Record<string, unknown>;
  attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
}

/**
 * Renders and sends an email once per ledger key.
 * The ledger row and an advisory lock on its key live in one transaction around the send: a second
 * copy of the job waits, then sees the row and skips. Only a crash between the SMTP server's
 * acceptance and the commit can repeat a message (at-least-once at that single point).
 * @returns whether this call sent the message.
 */
export async function deliverEmail(req: EmailRequest): Promise<{ sent: boolean; messageId?: string }> {
  const { config, mailer } = services();
  const vars = { clinicName: config.clinicName, appUrl: config.appUrl, ...req.vars };
  const rendered = await renderEmail(req.template, vars);
  return db().transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`email:${req.ledgerKey}`]);
    const existing = await trx('emailDeliveries').where({ ledgerKey: req.ledgerKey }).first();
    if (existing) return { sent: false, messageId: existing.messageId as string };
    const { messageId } = await mailer.send({ to: req.to, ...rendered, attachments: req.attachments });
    await trx('emailDeliveries').insert({
      ledgerKey: req.ledgerKey,
      template: req.template,
      recipient: req.to,
      messageId,
    });
    return { sent: true, messageId };
  });
}
