import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { loadPatientFor, scopeFor } from '../access/policy.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { consumeRateLimit } from '../auth/rate-limits.js';
import { loadReportFor } from '../reports/report.js';
import {
  loadConversationFor,
  mayJoin,
  toMessageView,
  unreadEmailJobKey,
  type MessageRow,
  type MessageView,
} from './conversation.js';
import { publishMessageEvent } from './message-events.js';
import type { SendMessageInput } from './schemas.js';
import './notify-unread.js';

/** The one-to-one pair a `recipientId` stands for: a patient and a member of their care team. */
interface DirectPair {
  patientId: string;
  patientUserId: string;
  memberId: string;
}

/**
 * Resolves `recipientId` against the caller: a patient writes to a member of their care team, a
 * care-team member writes to a patient in their care. Anyone else is 404 `recipient`; roles that
 * may not message at all (admins) get 403.
 */
async function resolveRecipient(actor: Actor, recipientId: string): Promise<DirectPair> {
  if (scopeFor(actor, 'messages', 'write') === 'none') throw new ForbiddenError();
  if (recipientId === actor.userId) throw new NotFoundError('recipient');
  if (actor.role === 'patient') {
    if (!actor.patientId) throw new NotFoundError('recipient');
    const member = await mayJoin(db(), recipientId, actor.patientId);
    if (!member || member.role === 'patient') throw new NotFoundError('recipient');
    return { patientId: actor.patientId, patientUserId: actor.userId, memberId: recipientId };
  }
  const profile = (await db()('patients')
    .where({ userId: recipientId })
    .whereNull('deletedAt')
    .first('id')) as { id: string } | undefined;
  if (!profile) throw new NotFoundError('recipient');
  try {
    await loadPatientFor(actor, profile.id, 'messages', 'write');
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError('recipient');
    throw err;
  }
  if (!(await mayJoin(db(), recipientId, profile.id))) throw new NotFoundError('recipient');
  return { patientId: profile.id, patientUserId: recipientId, memberId: actor.userId };
}

/** Finds or opens the one-to-one conversation of a pair; the unique index settles concurrent opens. */
async function directConversation(trx: Knex.Transaction, actor: Actor, pair: DirectPair): Promise<string> {
  const inserted = await trx.raw(
    `insert into conversations (patient_id, direct_member_id, created_by) values (?, ?, ?)
     on conflict (patient_id, direct_member_id) where direct_member_id is not null do nothing
     returning id`,
    [pair.patientId, pair.memberId, actor.userId],
  );
  const created = (inserted.rows as { id: string }[])[0];
  if (created) {
    await trx('conversationParticipants').insert([
      { conversationId: created.id, userId: pair.patientUserId },
      { conversationId: created.id, userId: pair.memberId },
    ]);
    return created.id;
  }
  const existing = (await trx('conversations')
    .where({ patientId: pair.patientId, directMemberId: pair.memberId })
    .first('id')) as { id: string };
  // A participant who left the care team and came back is let in again.
  await trx('conversationParticipants')
    .insert([
      { conversationId: existing.id, userId: pair.patientUserId },
      { conversationId: existing.id, userId: pair.memberId },
    ])
    .onConflict(['conversationId', 'userId'])
    .ignore();
  return existing.id;
}

/**
 * Sends a message as the caller (the sender is never taken from the input). The message, its
 * position in the conversation, the NOTIFY that live streams hear, and one delayed "unread message"
 * email job per other participant commit together.
 *
 * The email job is keyed per conversation and recipient in `preserve_run_at` mode: a later message
 * does not push back the email the first unread one scheduled, so a busy conversation still mails
 * after MESSAGE_EMAIL_DELAY_MINUTES. Reading removes the job (mark-read.ts).
 */
export async function sendMessage(actor: Actor, input: SendMessageInput): Promise<MessageView> {
  const { config, logger } = services();
  await consumeRateLimit(`messages:${actor.userId}`, config.telehealth.messageRateLimitPerMinute, 60);
  if (!/\S/.test(input.body))
    throw new ValidationError('The message is empty.', [{ path: '/body', message: 'must not be blank' }]);

  // Checks that may write a denial to the audit log run before the transaction (policy.ts).
  const target: { pair: DirectPair } | { conversationId: string } =
    'recipientId' in input
      ? { pair: await resolveRecipient(actor, input.recipientId) }
      : { conversationId: input.conversationId };
  if (input.reportId) {
    const patientId =
      'pair' in target
        ? target.pair.patientId
        : (await loadConversationFor(db(), actor, target.conversationId)).patientId;
    const report = await loadReportFor(actor, input.reportId, 'read');
    if (report.patientId !== patientId) throw new NotFoundError('report');
  }

  const delayMs = config.telehealth.messageEmailDelayMinutes * 60_000;
  return withTransaction(async (trx) => {
    const conversationId =
      'pair' in target ? await directConversation(trx, actor, target.pair) : target.conversationId;
    // Locks the conversation: positions are drawn in commit order (see the migration).
    const { patientId } = await loadConversationFor(trx, actor, conversationId, { lock: 'update' });
    const [{ lastSeq }] = (await trx('conversations')
      .where({ id: conversationId })
      .update({ lastSeq: trx.raw('last_seq + 1'), lastMessageAt: trx.fn.now() })
      .returning('lastSeq')) as { lastSeq: string }[];
    const [message] = (await trx('messages')
      .insert({
        conversationId,
        seq: lastSeq,
        senderId: actor.userId,
        body: input.body,
        reportId: input.reportId ?? null,
      })
      .returning('*')) as MessageRow[];
    const userIds = (
      (await trx('conversationParticipants').where({ conversationId }).select('userId')) as {
        userId: string;
      }[]
    ).map((r) => r.userId);

    const runAt = new Date(Date.now() + delayMs);
    for (const userId of userIds) {
      if (userId === actor.userId) continue;
      try {
        await addJob(
          trx,
          'notify_unread_message',
          { conversationId, userId },
          { jobKey: unreadEmailJobKey(conversationId, userId), jobKeyMode: 'preserve_run_at', runAt },
        );
      } catch (err) {
        // add_job can return no job under contention on the key (graphile-worker #580); the
        // message must not fail for it. Nothing failed in SQL, so the transaction goes on.
        logger.warn({ err, conversationId, userId }, 'unread-message email job not queued');
      }
    }
    await publishMessageEvent(trx, { type: 'message', conversationId, messageId: message.id, userIds });
    await recordAudit(
      actor,
      {
        entity: 'message',
        entityId: message.id,
        action: 'create',
        outcome: 'success',
        patientId,
        details: { conversationId, ...(input.reportId ? { reportId: input.reportId } : {}) },
      },
      trx,
    );
    return toMessageView(message);
  });
}
