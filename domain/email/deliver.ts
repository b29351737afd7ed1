import type pg from 'pg';
import { db } from '../../db/knex.js';
import { renderEmail } from '../../lib/email-templates.js';
import { newMessageId } from '../../lib/mailer.js';
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

type PooledClient = pg.ClientBase & { __knex__disposed?: unknown };

/**
 * Opens a transaction and claims the ledger key in it, in one round trip: `begin` and the insert go
 * as one simple-protocol message, which cannot carry parameters, so the values are quoted with pg's
 * own `escapeLiteral` (doubles quotes and backslashes, `E''` form when needed; test:
 * email-ledger.test.ts writes hostile values through it). True when this call owns the key; false
 * when another delivery committed it (the insert waited for that commit, then did nothing).
 */
async function beginClaim(
  client: PooledClient,
  row: { ledgerKey: string; template: string; recipient: string; messageId: string },
): Promise<boolean> {
  const q = (v: string) => client.escapeLiteral(v);
  const results: unknown = await client.query(
    `begin; insert into email_deliveries (ledger_key, template, recipient, message_id)
     values (${q(row.ledgerKey)}, ${q(row.template)}, ${q(row.recipient)}, ${q(row.messageId)})
     on conflict (ledger_key) do nothing returning ledger_key`,
  );
  // A multi-statement query answers one result per statement (pg's types do not say so).
  if (!Array.isArray(results) || results.length !== 2) throw new Error('unexpected reply to begin + claim');
  const insert: pg.QueryResult = results[1];
  return insert.rowCount === 1;
}

/**
 * Renders and sends an email once per ledger key.
 *
 * The ledger row is inserted first, in a transaction that stays open around the SMTP send and
 * commits only after the server accepted the message. The primary key on `ledger_key` is the lock:
 * a second copy of the job (a retry, or another worker racing) blocks on the uncommitted row, then
 * either finds it committed (`on conflict do nothing` inserts nothing: skip) or, if the first send
 * failed and rolled back, claims the key itself and sends. A crash or a lost database connection
 * before the commit rolls the claim back with the connection, so the job's retry sends again. The
 * one window that can repeat a message is the same as with the earlier lock-then-insert order: the
 * SMTP server accepted the message and the COMMIT did not complete (at-least-once at that single
 * point, exactly-once everywhere else).
 *
 * Two round trips to the database per email (begin + claim, commit), where the earlier order
 * (advisory lock, select, send, insert) took five. They run through pg on a connection of the knex
 * pool: a knex transaction cost ≈ 0.25 ms of CPU per email in the builder and the transactor it
 * creates, the statements themselves ≈ 0.07 ms (docs/email.md).
 * The Message-ID is made here so the row can carry it before the send; `sent_at` is the claim's
 * time, a few milliseconds before the server accepted the message.
 * @returns whether this call sent the message, and its Message-ID if it did.
 */
export async function deliverEmail(req: EmailRequest): Promise<{ sent: boolean; messageId?: string }> {
  const { config, mailer } = services();
  const vars = { clinicName: config.clinicName, appUrl: config.appUrl, ...req.vars };
  const rendered = await renderEmail(req.template, vars);
  const messageId = newMessageId(config.mailFrom);
  const knex = db();
  const client: PooledClient = await knex.client.acquireConnection();
  try {
    let claimed: boolean;
    try {
      claimed = await beginClaim(client, {
        ledgerKey: req.ledgerKey,
        template: req.template,
        recipient: req.to,
        messageId,
      });
      if (claimed) await mailer.send({ to: req.to, ...rendered, messageId, attachments: req.attachments });
    } catch (err) {
      // Releases the claim; a connection that cannot even roll back is dropped by the pool.
      await client.query('rollback').catch((rollbackErr: unknown) => {
        client.__knex__disposed = rollbackErr;
      });
      throw err;
    }
    await client.query('commit');
    return claimed ? { sent: true, messageId } : { sent: false };
  } finally {
    await knex.client.releaseConnection(client);
  }
}
