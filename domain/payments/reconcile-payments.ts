import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { stripeClient } from '../../lib/stripe.js';
import { syncCheckoutSession, type SyncResult } from './sync-payment.js';

const HOUR_MS = 3_600_000;
/**
 * How far before the stored cursor each run looks again. A Checkout Session can be paid (or an
 * async payment settle) up to 24 hours after it was created, and listing is by creation time, so
 * one session lifetime plus an hour of slack is re-read every run.
 */
export const RECONCILE_OVERLAP_MS = 25 * HOUR_MS;
/** The first run (no cursor yet) looks back this far. */
const FIRST_RUN_LOOKBACK_MS = 3 * 24 * HOUR_MS;

export interface ReconcileReport {
  runId: number;
  cursor: Date;
  sessionsChecked: number;
  refundsChecked: number;
  fixed: { sessionId: string; paymentId: string; appointmentId: string; changes: string[] }[];
}

/**
 * Repairs what missed webhooks left behind: lists the Checkout Sessions and refunds Stripe created
 * since the last successful run's start (minus {@link RECONCILE_OVERLAP_MS}), plus our sessions still
 * open after their expiry, and runs each through the same sync as the webhook jobs. Every run is
 * recorded in `payment_reconciliation_runs` with what it fixed; a failed run records its error and
 * leaves the cursor where it was.
 */
export async function reconcilePayments(now = new Date()): Promise<ReconcileReport> {
  const knex = db();
  const last = await knex('paymentReconciliationRuns')
    .whereNotNull('finishedAt')
    .whereNull('error')
    .orderBy('finishedAt', 'desc')
    .first('startedAt');
  const cursor = last
    ? new Date((last.startedAt as Date).getTime() - RECONCILE_OVERLAP_MS)
    : new Date(now.getTime() - FIRST_RUN_LOOKBACK_MS);
  const [run] = await knex('paymentReconciliationRuns').insert({ cursor, startedAt: now }).returning('id');
  const runId = Number(run.id);
  const report: ReconcileReport = { runId, cursor, sessionsChecked: 0, refundsChecked: 0, fixed: [] };
  const done = new Set<string>();
  const sync = async (sessionId: string, hint?: string) => {
    if (done.has(sessionId)) return;
    done.add(sessionId);
    const result: SyncResult | null = await syncCheckoutSession(sessionId, { appointmentIdHint: hint });
    if (result?.changes.length) {
      report.fixed.push({
        sessionId,
        paymentId: result.paymentId,
        appointmentId: result.appointmentId,
        changes: result.changes,
      });
    }
  };

  try {
    const stripe = stripeClient();
    const gte = Math.floor(cursor.getTime() / 1000);
    for await (const session of stripe.checkout.sessions.list({ created: { gte }, limit: 100 })) {
      report.sessionsChecked += 1;
      const appointmentId = session.metadata?.appointment_id;
      if (appointmentId) await sync(session.id, appointmentId);
    }
    for await (const refund of stripe.refunds.list({ created: { gte }, limit: 100 })) {
      report.refundsChecked += 1;
      const pi =
        typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id;
      if (!pi) continue;
      const row = await knex('payments')
        .where({ stripePaymentIntentId: pi })
        .first('stripeCheckoutSessionId', 'appointmentId');
      if (row) await sync(row.stripeCheckoutSessionId as string, row.appointmentId as string);
    }
    // Sessions we still think are open after they expired: their completion or expiry was missed.
    const stale = await knex('payments')
      .where('sessionStatus', 'open')
      .where('expiresAt', '<', now)
      .select('stripeCheckoutSessionId', 'appointmentId')
      .limit(500);
    for (const p of stale) await sync(p.stripeCheckoutSessionId as string, p.appointmentId as string);

    await knex('paymentReconciliationRuns')
      .where({ id: runId })
      .update({
        finishedAt: knex.fn.now(),
        sessionsChecked: report.sessionsChecked,
        refundsChecked: report.refundsChecked,
        fixed: JSON.stringify(report.fixed),
      });
  } catch (err) {
    await knex('paymentReconciliationRuns')
      .where({ id: runId })
      .update({
        finishedAt: knex.fn.now(),
        sessionsChecked: report.sessionsChecked,
        refundsChecked: report.refundsChecked,
        fixed: JSON.stringify(report.fixed),
        error: String((err as Error)?.message ?? err).slice(0, 2000),
      });
    throw err;
  }
  if (report.fixed.length)
    services().logger.warn({ runId, fixed: report.fixed }, 'reconciliation repaired payments');
  return report;
}
