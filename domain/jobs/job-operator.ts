import os from 'node:os';
import type { Knex } from 'knex';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';

/**
 * Who performs a jobs-admin action: an admin through the API, or an operator at the CLI (who has
 * database credentials but no account, and is recorded by OS user and host). Every action is
 * written to the audit log as this operator.
 */
export interface JobOperator {
  actor: Actor | null;
  via: 'api' | 'cli';
  /** `user@host` running the CLI. */
  osUser?: string;
}

/** The operator for an API call. */
export const apiOperator = (actor: Actor): JobOperator => ({ actor, via: 'api' });

/** The operator for the CLI: no account, identified by OS user and host. */
export function cliOperator(): JobOperator {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // userInfo() throws for uids without a passwd entry (some containers).
  }
  return { actor: null, via: 'cli', osUser: `${user}@${os.hostname()}` };
}

/** A short description of the operator for error messages written into the job. */
export const describeOperator = (op: JobOperator): string =>
  op.via === 'cli'
    ? `operator ${op.osUser ?? 'at the CLI'}`
    : `administrator ${op.actor?.userId ?? ''}`.trim();

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
  await recordAudit(
    op.actor,
    {
      entity: 'job',
      entityId,
      action,
      outcome: 'success',
      details: { via: op.via, ...(op.osUser ? { osUser: op.osUser } : {}), ...details },
    },
    trx,
  );
}
