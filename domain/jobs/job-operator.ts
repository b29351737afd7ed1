import os from 'node:os';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';

/**
 * Who performs a jobs-admin action: an admin through the API, or an operator at the CLI (who has
 * database credentials but no account). Every action is written to `audit_events` as this operator.
 */
export interface JobOperator {
  actorId: string | null;
  actorRole: string;
  ip?: string;
  requestId?: string;
  via: 'api' | 'cli';
  /** The OS user running the CLI. */
  osUser?: string;
}

/** The operator for an API call. */
export const apiOperator = (actor: Actor): JobOperator => ({
  actorId: actor.userId,
  actorRole: actor.role,
  ip: actor.ip,
  requestId: actor.requestId,
  via: 'api',
});

/** The operator for the CLI: no account, identified by OS user and host. */
export function cliOperator(): JobOperator {
  let osUser = 'unknown';
  try {
    osUser = `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    // userInfo() throws for uids without a passwd entry (some containers).
  }
  return { actorId: null, actorRole: 'operator', via: 'cli', osUser };
}

/**
 * Appends one jobs-admin action to the audit log on the caller's transaction, so the record exists
 * exactly when the action committed.
 */
export async function auditJobAction(
  trx: Knex.Transaction,
  op: JobOperator,
  action: string,
  entityId: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  await trx('auditEvents').insert({
    actorId: op.actorId,
    actorRole: op.actorRole,
    entity: 'job',
    entityId,
    action,
    outcome: 'success',
    ip: op.ip ?? null,
    requestId: op.requestId ?? null,
    details: JSON.stringify({ via: op.via, ...(op.osUser ? { osUser: op.osUser } : {}), ...details }),
  });
}
