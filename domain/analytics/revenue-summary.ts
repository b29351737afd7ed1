import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import {
  bucketSql,
  fillSeries,
  labelSql,
  resolveRange,
  type ReportRange,
  type SummaryQuery,
} from './range.js';

interface Money {
  grossCents: number;
  refundedCents: number;
  netCents: number;
}

export interface RevenueSummary {
  from: string;
  to: string;
  interval: ReportRange['interval'];
  timeZone: string;
  doctorId: string | null;
  currencies: { currency: string; totals: Money; series: ({ period: string } & Money)[] }[];
}

/**
 * Every movement of money in the range, one row each: `gross` for money taken, `refund` for money
 * returned. Stripe payments count once, from `payments` (when captured: `paid_at`); desk payments
 * come from `invoice_payments` rows without a Stripe payment (so the Stripe payment an invoice
 * mirrors is never counted twice); refunds are Stripe refunds that succeeded (dated when they were
 * made) and any refund recorded on an invoice by hand.
 */
export function moneyMovementsSql(byDoctor: boolean): string {
  // Appointments are joined only to filter by doctor: a join PostgreSQL cannot drop costs a lookup per row.
  const appt = (on: string) =>
    byDoctor ? `join appointments a on a.id = ${on} and a.doctor_id = :doctorId` : '';
  return `
  select p.currency, p.paid_at as at, p.amount_cents as gross, 0 as refund
    from payments p ${appt('p.appointment_id')}
   where p.status in ('paid', 'partially_refunded', 'refunded') and p.paid_at >= :from and p.paid_at < :to
  union all
  select p.currency, r.created_at, 0, r.amount_cents
    from refunds r join payments p on p.id = r.payment_id ${appt('p.appointment_id')}
   where r.status = 'succeeded' and r.created_at >= :from and r.created_at < :to
  union all
  select ip.currency, ip.created_at,
         case when ip.kind = 'payment' then ip.amount_cents else 0 end,
         case when ip.kind = 'refund' then ip.amount_cents else 0 end
    from invoice_payments ip ${byDoctor ? 'join invoices i on i.id = ip.invoice_id' : ''} ${byDoctor ? appt('i.appointment_id') : ''}
   where ip.payment_id is null and ip.created_at >= :from and ip.created_at < :to`;
}

/** Revenue per currency (never summed across currencies): gross, refunded and net, per bucket. */
export async function revenueSummary(actor: Actor, q: SummaryQuery): Promise<RevenueSummary> {
  const range = resolveRange(actor, q, services().config.clinicTimeZone);
  const { rows } = await db().raw(
    `select currency as "currency", ${labelSql('b')} as "period", gross as "gross", refund as "refund" from (
       select m.currency, ${bucketSql('m.at')} as b, sum(m.gross) as gross, sum(m.refund) as refund
         from (${moneyMovementsSql(range.doctorId !== null)}) m group by 1, 2) x`,
    {
      from: range.from,
      to: range.to,
      tz: range.timeZone,
      interval: range.interval,
      doctorId: range.doctorId,
    },
  );
  const byCurrency = new Map<string, Map<string, Money>>();
  for (const r of rows as { currency: string; period: string; gross: string; refund: string }[]) {
    const m = byCurrency.get(r.currency) ?? new Map<string, Money>();
    byCurrency.set(r.currency, m);
    const gross = Number(r.gross);
    const refunded = Number(r.refund);
    m.set(r.period, { grossCents: gross, refundedCents: refunded, netCents: gross - refunded });
  }
  const currencies = [...byCurrency.keys()].sort().map((currency) => {
    const series = fillSeries(range.periods, byCurrency.get(currency)!, () => ({
      grossCents: 0,
      refundedCents: 0,
      netCents: 0,
    }));
    const totals = series.reduce(
      (t, s) => ({
        grossCents: t.grossCents + s.grossCents,
        refundedCents: t.refundedCents + s.refundedCents,
        netCents: t.netCents + s.netCents,
      }),
      { grossCents: 0, refundedCents: 0, netCents: 0 },
    );
    return { currency, totals, series };
  });
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    interval: range.interval,
    timeZone: range.timeZone,
    doctorId: range.doctorId,
    currencies,
  };
}
