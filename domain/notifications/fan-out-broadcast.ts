import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import type { BroadcastRow } from './send-notification.js';
import { Type, type Static, Uuid } from '../../lib/schema.js';

export const FanOutNotificationPayload = Type.Object({ broadcastId: Uuid });
export type FanOutNotificationPayload = Static<typeof FanOutNotificationPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      fan_out_notification: Static<typeof FanOutNotificationPayload>;
    }
  }
}

/** Recipients handled per transaction: bounded lock time and memory whatever the role's size. */
const BATCH = 500;

/**
 * Delivers a broadcast: one notification per active recipient (and, if asked, one
 * `system_notification` email each), in batches of {@link BATCH} users ordered by id.
 *
 * Safe to run twice: each notification's dedupe key is `broadcast:<id>:<userId>` (inserted with
 * `on conflict do nothing`) and each email's ledger key the same, so a retried job adds nothing that
 * already exists. A finished broadcast is left alone. Returns the number of recipients handled.
 */
export async function fanOutBroadcast(broadcastId: string): Promise<number> {
  const b = (await db()('notificationBroadcasts').where('id', broadcastId).first()) as
    BroadcastRow | undefined;
  if (!b || b.status === 'done') return 0;
  let lastId = '00000000-0000-0000-0000-000000000000';
  let total = 0;
  for (;;) {
    const handled = await db().transaction(async (trx) => {
      const q = trx('users').select('id', 'name', 'email').where('status', 'active').where('id', '>', lastId);
      if (b.userId) q.where('id', b.userId);
      else q.where('role', b.role!);
      const users = (await q.orderBy('id').limit(BATCH)) as { id: string; name: string; email: string }[];
      if (users.length === 0) return 0;
      await trx.raw(
        `insert into notifications (user_id, type, title, body, data, dedupe_key)
         select u.id, ?, ?, ?, ?::jsonb, 'broadcast:' || ?::text || ':' || u.id
           from unnest(?::uuid[]) as u(id)
         on conflict (dedupe_key) do nothing`,
        [b.type, b.title, b.body, JSON.stringify({ broadcastId: b.id }), b.id, users.map((u) => u.id)],
      );
      if (b.sendEmail) {
        for (const u of users) {
          await addJob(trx, 'send_email', {
            ledgerKey: `broadcast:${b.id}:${u.id}`,
            template: 'system_notification',
            to: u.email,
            vars: { recipientName: u.name, title: b.title, body: b.body },
          });
        }
      }
      lastId = users[users.length - 1].id;
      return users.length;
    });
    total += handled;
    if (handled < BATCH) break;
  }
  await db()('notificationBroadcasts')
    .where({ id: b.id, status: 'queued' })
    .update({ status: 'done', recipientCount: total, completedAt: db().fn.now() });
  return total;
}
