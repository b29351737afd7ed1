import type { Knex } from 'knex';

/**
 * Whether a report is attached to a live message of a conversation the user takes part in. Such a
 * participant may read the report (metadata, file, thumbnail) even where the access policy alone
 * would not let them — the sender, who could read it, chose to share it with the conversation.
 * Deleting the message withdraws the share.
 */
export async function isSharedWith(trx: Knex, reportId: string, userId: string): Promise<boolean> {
  const row = await trx('messages as m')
    .join('conversationParticipants as cp', 'cp.conversationId', 'm.conversationId')
    .where({ 'm.reportId': reportId, 'cp.userId': userId })
    .whereNull('m.deletedAt')
    .first('m.id');
  return Boolean(row);
}
