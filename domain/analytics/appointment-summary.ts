import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import { offeredMinutes } from './offered-minutes.js';
import {
  bucketSql,
  fillSeries,
  labelSql,
  ratio,
  resolveRange,
  type ReportRange,
  type SummaryQuery,
} from './range.js';

type Counts = {
  booked: number;
  completed: number;
  cancelled: number;
  noShow: number;
};

export interface AppointmentSummary {
  from: string;
  to: string;
  interval: ReportRange['interval'];
  timeZone: string;
  doctorId: string | null;
  totals: Counts & { cancellationRate: number; noShowRate: number; utilisation: number };
  byDoctor: {
    doctorId: string;
    name: string;
    booked: number;
    completed: number;
    noShowRate: number;
    utilisation: number;
  }[];
  series: ({ period: string } & Counts)[];
}

/** Statuses in which an appointment held its slot (cancelled and rejected ones freed it). */
export const HELD_STATUSES = ['pending', 'confirmed', 'completed', 'no-show'] as const;
const HELD = HELD_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Appointments of the range (by start time) with their status, minutes held, and clinic-zone
 * bucket. Rejected requests were never bookings and are left out.
 */
const appointmentsSql = (byDoctor: boolean) => `
  select a.doctor_id, ${bucketSql('a.starts_at')} as bucket, count(*) as booked,
         count(*) filter (where a.status = 'completed') as completed,
         count(*) filter (where a.status = 'cancelled') as cancelled,
         count(*) filter (where a.status = 'no-show') as no_show,
         coalesce(sum(extract(epoch from a.ends_at - a.starts_at)) filter (where a.status in (${HELD})), 0) / 60 as held
    from appointments a
   where a.starts_at >= :from and a.starts_at < :to and a.status <> 'rejected'
     ${byDoctor ? 'and a.doctor_id = :doctorId' : ''}
   group by 1, 2`;

/**
 * Appointment figures: `booked` = appointments starting in the range (all but rejected requests);
 * `completed`, `cancelled`, `noShow` by status; `cancellationRate` = cancelled ÷ booked;
 * `noShowRate` = no-shows ÷ (booked − cancelled); `utilisation` = minutes of appointments that
 * held their slot (pending, confirmed, completed, no-show) ÷ minutes of visiting hours offered.
 * Ratios have 4 decimals and are 0 when their denominator is 0.
 */
export async function appointmentSummary(actor: Actor, q: SummaryQuery): Promise<AppointmentSummary> {
  const range = resolveRange(actor, q, services().config.clinicTimeZone);
  const knex = db();
  const b = {
    from: range.from,
    to: range.to,
    tz: range.timeZone,
    interval: range.interval,
    doctorId: range.doctorId,
  };
  const [grouped, offered] = await Promise.all([
    knex.raw(
      `select x.doctor_id as "doctorId", ${labelSql('x.bucket')} as "period", x.booked as "booked",
              x.completed as "completed", x.cancelled as "cancelled", x.no_show as "noShow",
              x.held as "heldMinutes"
         from (${appointmentsSql(range.doctorId !== null)}) x`,
      b,
    ),
    offeredMinutes(knex, range.from, range.to, range.doctorId),
  ]);
  const zero = (): Counts => ({ booked: 0, completed: 0, cancelled: 0, noShow: 0 });
  const series = new Map<string, Counts>();
  const doctors = new Map<string, Counts & { held: number; offered: number }>();
  const totals = { ...zero(), held: 0, offered: 0 };
  const doctor = (id: string) => {
    let d = doctors.get(id);
    if (!d) doctors.set(id, (d = { ...zero(), held: 0, offered: 0 }));
    return d;
  };
  for (const r of grouped.rows as Record<string, string>[]) {
    const c: Counts = {
      booked: Number(r.booked),
      completed: Number(r.completed),
      cancelled: Number(r.cancelled),
      noShow: Number(r.noShow),
    };
    const held = Number(r.heldMinutes);
    const s = series.get(r.period) ?? zero();
    series.set(r.period, s);
    const d = doctor(r.doctorId);
    for (const acc of [s, d, totals] as Counts[]) {
      acc.booked += c.booked;
      acc.completed += c.completed;
      acc.cancelled += c.cancelled;
      acc.noShow += c.noShow;
    }
    d.held += held;
    totals.held += held;
  }
  for (const [doctorId, minutes] of offered) {
    if (minutes <= 0 && !doctors.has(doctorId)) continue;
    doctor(doctorId).offered += minutes;
    totals.offered += minutes;
  }
  const names = new Map<string, string>();
  if (doctors.size) {
    const rows = (await knex('users')
      .whereIn('id', [...doctors.keys()])
      .select('id', 'name')) as {
      id: string;
      name: string;
    }[];
    for (const u of rows) names.set(u.id, u.name);
  }
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    interval: range.interval,
    timeZone: range.timeZone,
    doctorId: range.doctorId,
    totals: {
      booked: totals.booked,
      completed: totals.completed,
      cancelled: totals.cancelled,
      noShow: totals.noShow,
      cancellationRate: ratio(totals.cancelled, totals.booked),
      noShowRate: ratio(totals.noShow, totals.booked - totals.cancelled),
      utilisation: ratio(totals.held, totals.offered),
    },
    byDoctor: [...doctors.entries()]
      .map(([doctorId, d]) => ({
        doctorId,
        name: names.get(doctorId) ?? '',
        booked: d.booked,
        completed: d.completed,
        noShowRate: ratio(d.noShow, d.booked - d.cancelled),
        utilisation: ratio(d.held, d.offered),
      }))
      .sort((x, y) => y.booked - x.booked || x.doctorId.localeCompare(y.doctorId)),
    series: fillSeries(range.periods, series, zero),
  };
}
