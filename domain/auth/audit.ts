import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import type { Actor } from './actor.js';
import type { AuditOutcome } from '../audit/schemas.js';

/** Where a request came from, for audit rows of public routes (which have no actor yet). */
export interface RequestMeta {
  ip?: string;
  requestId?: string;
}

export interface SecurityEvent {
  /** Who acted; undefined for anonymous attempts (unknown email at login). */
  actor?: Pick<Actor, 'userId' | 'role'>;
  entity: 'user' | 'session';
  entityId?: string;
  action: string;
  outcome: AuditOutcome;
  /** Non-secret context (reason, from/to status). Never passwords, tokens or OTPs. */
  details?: Record<string, unknown>;
}

/**
 * Appends one security event (login, logout, password reset or change, status change, user
 * creation) to the hash-chained `audit_events` table. Pass the transaction of the change it records
 * so the event commits with it; a failure that rolls nothing back uses the pool.
 */
export async function recordSecurityEvent(
  event: SecurityEvent,
  meta: RequestMeta = {},
  trx: Knex | Knex.Transaction = db(),
): Promise<void> {
  await trx('auditEvents').insert({
    actorId: event.actor?.userId ?? null,
    actorRole: event.actor?.role ?? null,
    entity: event.entity,
    entityId: event.entityId ?? null,
    action: event.action,
    outcome: event.outcome,
    ip: meta.ip ?? null,
    requestId: meta.requestId ?? null,
    details: JSON.stringify(event.details ?? {}),
  });
}
