/**
 * Conversations, their participants and messages: rows, the views the API shows, and the one rule
 * of reading them — only participants see a conversation (everyone else gets 404).
 */
import type { Knex } from 'knex';
import { NotFoundError } from '../../lib/errors.js';
import { applyPatientScope, scopeFor } from '../access/policy.js';
import type { Actor, AdminSubRole, Role } from '../auth/actor.js';

/** A sender may delete (tombstone) their message for this long after sending it. */
export const DELETE_WINDOW_MS = 5 * 60_000;

export interface ConversationRow {
  id: string;
  patientId: string;
  subject: string | null;
  directMemberId: string | null;
  createdBy: string;
  lastSeq: string | number;
  lastMessageAt: Date | null;
  createdAt: Date;
}

export interface MessageRow {
  id: string;
  conversationId: string;
  seq: string | number;
  senderId: string;
  body: string | null;
  reportId: string | null;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface Participant {
  userId: string;
  name: string;
  role: Role;
}

export interface MessageView {
  id: string;
  conversationId: string;
  senderId: string;
  /** The text; empty once the sender deleted the message (`deletedAt` set). */
  body: string;
  reportId?: string;
  createdAt: string;
  deletedAt?: string;
}

export interface ConversationView {
  id: string;
  patientId: string;
  subject?: string;
  participants: Participant[];
  lastMessageAt: string | null;
  unreadCount: number;
  lastMessage: MessageView | null;
}

export function toMessageView(m: MessageRow): MessageView {
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderId: m.senderId,
    body: m.body ?? '',
    ...(m.reportId ? { reportId: m.reportId } : {}),
    createdAt: new Date(m.createdAt).toISOString(),
    ...(m.deletedAt ? { deletedAt: new Date(m.deletedAt).toISOString() } : {}),
  };
}

/** The job key of the "unread message" email of one recipient in one conversation. */
export const unreadEmailJobKey = (conversationId: string, userId: string) =>
  `notify_unread_message:${conversationId}:${userId}`;

/**
 * Loads a conversation the actor takes part in, or throws 404: missing and "not yours" look the
 * same, for admins too. Senders lock it `update` (positions in commit order); readers lock it
 * `share`, so a read and a send of one conversation never interleave between counting what is
 * unread and removing the email job.
 */
export async function loadConversationFor(
  trx: Knex,
  actor: Actor,
  conversationId: string,
  opts: { lock?: 'update' | 'share' } = {},
): Promise<ConversationRow & { lastReadSeq: string | number }> {
  const q = trx('conversations as c')
    .join('conversationParticipants as cp', 'cp.conversationId', 'c.id')
    .where('c.id', conversationId)
    .where('cp.userId', actor.userId)
    .first('c.*', 'cp.lastReadSeq');
  if (opts.lock === 'update') q.forUpdate('c');
  if (opts.lock === 'share') q.forShare('c');
  const row = (await q) as (ConversationRow & { lastReadSeq: string | number }) | undefined;
  if (!row) throw new NotFoundError('conversation');
  return row;
}

/** The participants of some conversations, by conversation id, in the order they joined. */
export async function participantsOf(trx: Knex, ids: string[]): Promise<Map<string, Participant[]>> {
  const rows = (await trx('conversationParticipants as cp')
    .join('users as u', 'u.id', 'cp.userId')
    .whereIn('cp.conversationId', ids)
    .orderBy([{ column: 'cp.joinedAt' }, { column: 'u.name' }, { column: 'u.id' }])
    .select('cp.conversationId', 'u.id as userId', 'u.name', 'u.role')) as (Participant & {
    conversationId: string;
  })[];
  const out = new Map<string, Participant[]>(ids.map((id) => [id, []]));
  for (const r of rows) out.get(r.conversationId)!.push({ userId: r.userId, name: r.name, role: r.role });
  return out;
}

/** Unread messages of `userId` per conversation: others' live messages after their read position. */
export async function unreadCounts(
  trx: Knex,
  userId: string,
  conversationIds?: string[],
): Promise<Map<string, number>> {
  const q = trx('conversationParticipants as cp')
    .join('messages as m', (j) =>
      j
        .on('m.conversationId', 'cp.conversationId')
        .andOn('m.seq', '>', 'cp.lastReadSeq')
        .andOn('m.senderId', '<>', 'cp.userId'),
    )
    .where('cp.userId', userId)
    .whereNull('m.deletedAt')
    .groupBy('cp.conversationId')
    .select('cp.conversationId')
    .count<{ conversationId: string; count: string }[]>('* as count');
  if (conversationIds) q.whereIn('cp.conversationId', conversationIds);
  const rows = await q;
  return new Map(rows.map((r) => [r.conversationId, Number(r.count)]));
}

/**
 * Whether a user may take part in conversations about a patient, by the `messages` row of the
 * access policy: the patient's own account, doctors caring for them (mapped or with an
 * appointment), nurses and staff; active accounts only. Admins never.
 */
export async function mayJoin(
  trx: Knex,
  userId: string,
  patientId: string,
): Promise<Participant | undefined> {
  const u = (await trx('users')
    .leftJoin('patients as own', (j) => j.on('own.userId', 'users.id').andOnNull('own.deletedAt'))
    .where('users.id', userId)
    .first(
      'users.id',
      'users.name',
      'users.role',
      'users.adminRoles',
      'users.status',
      'own.id as patientId',
    )) as
    | {
        id: string;
        name: string;
        role: Role;
        adminRoles: AdminSubRole[];
        status: string;
        patientId: string | null;
      }
    | undefined;
  if (!u || u.status !== 'active') return undefined;
  const candidate: Actor = {
    userId: u.id,
    role: u.role,
    adminRoles: u.adminRoles ?? [],
    patientId: u.patientId ?? undefined,
  };
  if (scopeFor(candidate, 'messages', 'write') === 'none') return undefined;
  const visible = await applyPatientScope(
    trx('patients').select('patients.id'),
    candidate,
    'messages',
    'write',
  )
    .where('patients.id', patientId)
    .first();
  return visible ? { userId: u.id, name: u.name, role: u.role } : undefined;
}
