import { db } from '../../db/knex.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { toMessageView, type MessageRow, type MessageView } from './conversation.js';

/** Deliveries audited in one transaction at most. */
const MAX_BATCH = 200;

interface Pending {
  actor: Actor;
  messageId: string;
  resolve: (message: MessageView | undefined) => void;
  reject: (err: unknown) => void;
}

let queue: Pending[] = [];
let draining = false;

/**
 * Re-reads a message for one recipient's live stream — the NOTIFY that announced it carries no
 * text — checking again that they take part in its conversation. The delivery is a read of the
 * conversation and is audited like one (`conversation/stream`) before the text is handed out.
 * Undefined when it is not theirs (or gone).
 *
 * Each audit row is its own statement (autocommit): the audit chain's lock is then held only
 * inside the server, never across a round trip to this process, which under load was what
 * serialised every audited request of the clinic. The row is written before the text is handed
 * out. Deliveries are grouped: requests that arrive while a group is being read join the next one
 * (an idle process answers the first at once).
 */
export function readMessageForStream(actor: Actor, messageId: string): Promise<MessageView | undefined> {
  return new Promise((resolve, reject) => {
    queue.push({ actor, messageId, resolve, reject });
    if (!draining) void drain();
  });
}

async function drain(): Promise<void> {
  draining = true;
  try {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      try {
        const found = await readBatch(batch);
        batch.forEach((p, i) => p.resolve(found[i]));
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
  } finally {
    draining = false;
  }
}

async function readBatch(batch: Pending[]): Promise<(MessageView | undefined)[]> {
  const rows = (await db()('messages as m')
    .join('conversationParticipants as cp', 'cp.conversationId', 'm.conversationId')
    .join('conversations as c', 'c.id', 'm.conversationId')
    .whereIn(
      ['m.id', 'cp.userId'],
      batch.map((p) => [p.messageId, p.actor.userId]),
    )
    .select('m.*', 'c.patientId as patientId', 'cp.userId as recipientId')) as (MessageRow & {
    patientId: string;
    recipientId: string;
  })[];
  const byKey = new Map(rows.map((r) => [`${r.id}:${r.recipientId}`, r]));
  const out: (MessageView | undefined)[] = [];
  for (const p of batch) {
    const row = byKey.get(`${p.messageId}:${p.actor.userId}`);
    if (!row) {
      out.push(undefined);
      continue;
    }
    await recordAudit(p.actor, {
      entity: 'conversation',
      entityId: row.conversationId,
      action: 'stream',
      outcome: 'success',
      patientId: row.patientId,
      details: { messageId: row.id },
    });
    const { patientId: _patientId, recipientId: _recipientId, ...message } = row;
    out.push(toMessageView(message));
  }
  return out;
}
