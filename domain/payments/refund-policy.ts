/**
 * The cancellation refund policy. It is data: booking copies the clinic's policy (REFUND_FULL_HOURS,
 * REFUND_LATE_PERCENT) onto the appointment, so changing the configuration never reprices a
 * booking that already exists.
 */

/** The policy stored in `appointments.refund_policy`. */
export interface RefundPolicy {
  /** Cancelled at least this many hours before the start → full refund. */
  fullRefundHours: number;
  /** Percentage refunded when cancelled later than that. */
  latePercent: number;
  /** Percentage refunded for a no-show. (Default: 0) */
  noShowPercent: number;
}

const HOUR_MS = 3_600_000;

function pct(v: unknown, def: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : def;
}

/**
 * Reads a stored policy; missing fields fall back to the strictest reading that is still fair
 * (full refund only when cancelled ≥ 24 h before, nothing later, nothing for a no-show).
 */
export function parseRefundPolicy(raw: unknown): RefundPolicy {
  const p = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const hours = typeof p.fullRefundHours === 'number' && p.fullRefundHours >= 0 ? p.fullRefundHours : 24;
  return {
    fullRefundHours: hours,
    latePercent: pct(p.latePercent, 0),
    noShowPercent: pct(p.noShowPercent, 0),
  };
}

/**
 * The percentage of the payment to refund when an appointment leaves the live states.
 *
 * - `rejected`: the clinic declined the booking → 100 %.
 * - `no-show`: `noShowPercent`.
 * - `cancelled`: 100 % when cancelled at least `fullRefundHours` before the start, else `latePercent`.
 * - anything else (still pending, confirmed, completed): 0.
 */
export function refundPercent(
  policy: RefundPolicy,
  status: string,
  startsAt: Date,
  cancelledAt: Date,
): number {
  if (status === 'rejected') return 100;
  if (status === 'no-show') return policy.noShowPercent;
  if (status !== 'cancelled') return 0;
  const hoursBefore = (startsAt.getTime() - cancelledAt.getTime()) / HOUR_MS;
  return hoursBefore >= policy.fullRefundHours ? 100 : policy.latePercent;
}

/** `percent` of `amountCents`, rounded down to a whole minor unit (never more than was paid). */
export const refundAmount = (amountCents: number, percent: number): number =>
  Math.min(amountCents, Math.floor((amountCents * percent) / 100));
