import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { loadPatientFor } from '../access/policy.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { mayJoin, participantsOf, type ConversationRow, type ConversationView } from './conversation.js';
import type { CreateConversationInput } from './schemas.js';

/**
 * Opens a conversation about a patient, by a member of their care team. Participants: the caller,
 * the patient's own account when there is one, and `participantIds` — each of whom must be allowed
 * to join (see {@link mayJoin}; otherwise 404 `participant`, as if unknown).
 */
export async function createConversation(
  actor: Actor,
  input: CreateConversationInput,
): Promise<ConversationView> {
  // 403 for roles outside the care team, 404 for a patient not in the caller's care (audited).
  const patient = await loadPatientFor(actor, input.patientId, 'messages', 'write');
  return withTransaction(async (trx) => {
    const wanted = [
      actor.userId,
      ...(patient.userId ? [patient.userId] : []),
      ...(input.participantIds ?? []),
    ].filter((id, i, all) => all.indexOf(id) === i);
    const joining: string[] = [];
    for (const userId of wanted) {
      if (await mayJoin(trx, userId, patient.id)) joining.push(userId);
      // The patient's own inactive account is simply left out; anyone else asked for is an error.
      else if (userId !== patient.userId) throw new NotFoundError('participant');
    }
    const [conversation] = (await trx('conversations')
      .insert({ patientId: patient.id, subject: input.subject ?? null, createdBy: actor.userId })
      .returning('*')) as ConversationRow[];
    await trx('conversationParticipants').insert(
      joining.map((userId) => ({ conversationId: conversation.id, userId })),
    );
    await recordAudit(
      actor,
      {
        entity: 'conversation',
        entityId: conversation.id,
        action: 'create',
        outcome: 'success',
        patientId: patient.id,
        details: { participants: joining.length },
      },
      trx,
    );
    const participants = (await participantsOf(trx, [conversation.id])).get(conversation.id)!;
    return {
      id: conversation.id,
      patientId: conversation.patientId,
      ...(conversation.subject ? { subject: conversation.subject } : {}),
      participants,
      lastMessageAt: null,
      unreadCount: 0,
      lastMessage: null,
    };
  });
}
