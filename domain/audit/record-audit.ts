import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import type { Actor } from '../auth/actor.js';
import type { AuditOutcome } from './schemas.js';

export interface AuditEntry {
  /** What kind of thing was touched: `medical_record`, `visit`, `report`, `user`, `job`, `auth` … */
  entity: string;
  entityId?: string | null;
  /** `read`, `create`, `update`, `delete`, `download`, `login` … */
  action: string;
  outcome: AuditOutcome;
  patientId?: string | null;
  /** Context that helps an auditor; never secrets or clinical free text. */
  details?: Record<string, unknown>;
}

/**
 * Appends one row to the hash-chained, append-only audit log.
 * Pass the operation's transaction so the row commits with the write it describes; denials are
 * written outside any transaction (pass nothing) because the request that caused them fails.
 */
export async function recordAudit(
  actor: Actor | null | undefined,
  entry: AuditEntry,
  trx?: Knex | Knex.Transaction,
): Promise<void> {
  await (trx ?? db())('auditEvents').insert({
    actorId: actor?.userId ?? null,
    actorRole: actor?.role ?? null,
    patientId: entry.patientId ?? null,
    entity: entry.entity,
    entityId: entry.entityId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    ip: actor?.ip ?? null,
    requestId: actor?.requestId ?? null,
    details: JSON.stringify(entry.details ?? {}),
    // Filled by the audit_events_chain trigger.
    prevHash: '',
    hash: '',
  });
}
