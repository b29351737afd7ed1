import { withTransaction } from '../../db/transaction.js';
import { UnauthorizedError } from '../../lib/errors.js';
import type { Actor } from './actor.js';
import { actorChanged } from './actor-cache.js';
import { recordSecurityEvent } from './audit.js';

/** Revokes the caller's token at once (its jti is refused until it would have expired anyway). */
export async function logout(actor: Actor): Promise<void> {
  if (!actor.jti || !actor.tokenExpiresAt) throw new UnauthorizedError();
  await withTransaction(async (trx) => {
    await trx('revokedTokens')
      .insert({ jti: actor.jti, userId: actor.userId, expiresAt: actor.tokenExpiresAt })
      .onConflict('jti')
      .ignore();
    await recordSecurityEvent(
      { actor, entity: 'session', entityId: actor.userId, action: 'logout', outcome: 'success' },
      { ip: actor.ip, requestId: actor.requestId },
      trx,
    );
  });
  actorChanged(actor.userId);
}
