import { NOTIFY_CHANNELS, processListener } from '../../db/listener.js';

/**
 * The NOTIFY channel on which the database announces ended sessions (`{"userId": …}`), written by
 * triggers on `revoked_tokens` and `users` (migration 20261130120000_notify_session_revocations);
 * heard on the process's one LISTEN connection.
 */
export const SESSION_REVOCATIONS_CHANNEL = NOTIFY_CHANNELS.sessionRevocations;

export interface RevocationSubscription {
  /** Resolves once this process listens, so every revocation committed afterwards is heard. */
  ready: Promise<void>;
  unsubscribe: () => void;
}

/**
 * Calls `onRevoked(userId)` whenever a session of that user may have ended in any process (logout,
 * password change or reset, suspension, removal), and `onResync` after the LISTEN connection was
 * lost and re-established, when revocations may have been missed and every session should be
 * re-checked. The notification only says whom to re-check: {@link isSessionCurrent} decides.
 */
export function subscribeSessionRevocations(handlers: {
  onRevoked: (userId: string) => void;
  onResync: () => void;
}): RevocationSubscription {
  const l = processListener();
  const unsubscribe = l.subscribe({
    channel: SESSION_REVOCATIONS_CHANNEL,
    onMessage: (payload) => {
      let userId: unknown;
      try {
        userId = (JSON.parse(payload) as { userId?: unknown }).userId;
      } catch {
        return;
      }
      if (typeof userId === 'string') handlers.onRevoked(userId);
    },
    onResync: handlers.onResync,
  });
  return { ready: l.listening(), unsubscribe };
}
