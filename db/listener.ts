import type { Knex } from 'knex';
import { PgListener } from '../lib/pg-listener.js';
import { services } from '../lib/services.js';
import { onShutdown } from '../lib/shutdown.js';
import { db } from './knex.js';

/**
 * The NOTIFY channels of clinicflow. Every channel is heard on the process's one LISTEN connection
 * ({@link processListener}), so a web process holds one extra connection however many streams it serves.
 */
export const NOTIFY_CHANNELS = {
  /** Queue changes (domain/queue/queue-events.ts); the payload is the changed entry. */
  queue: 'queue_changes',
  /** Messaging events (domain/messaging/message-events.ts); payloads carry ids only, never text. */
  messages: 'message_events',
  /** Ended sessions (domain/auth/session-revocations.ts); the payload is `{"userId"}`. */
  sessionRevocations: 'session_revocations',
  /**
   * Changes to what decides a doctor's slots (domain/scheduling/doctor-cache.ts), written by the
   * triggers of migration 20261130190000; the payload is the doctor id, or `*` for every doctor.
   */
  doctorSchedules: 'doctor_schedule_changes',
} as const;

let listener: PgListener | undefined;

/**
 * The connection string of the process's database, read from the Knex pool's configuration: it is
 * also right when the database is the embedded one (DATABASE_URL unset).
 */
function listenConnectionString(): string {
  const conn = (db().client as { config: Knex.Config }).config.connection as
    string | { connectionString?: string } | undefined;
  const url = typeof conn === 'string' ? conn : conn?.connectionString;
  if (!url) throw new Error('the database connection has no connection string to LISTEN with');
  return url;
}

/**
 * The process's one LISTEN connection on every channel of {@link NOTIFY_CHANNELS}; made on first use
 * and closed on shutdown. It connects when the first subscriber arrives and disconnects after the last.
 */
export function processListener(): PgListener {
  if (!listener) {
    const created = new PgListener({
      connectionString: listenConnectionString,
      channels: Object.values(NOTIFY_CHANNELS),
      logger: services().logger,
    });
    listener = created;
    onShutdown(async () => {
      if (listener === created) listener = undefined;
      await created.close();
    });
  }
  return listener;
}
