import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
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
const APPOINTMENTS_SQL = `
  select a.doctor_id, a.status, ${bucketSql('a.starts_at')} as bucket,
         case when a.status in (${HELD}) then extract(epoch from (a.ends_at - a.starts_at)) / 60 else 0 end as held_minutes
    from appointments a
   where a.starts_at >= :from and a.starts_at < :to and a.status <> 'rejected'
     and (cast(:doctorId as uuid) is null or a.doctor_id = cast(:doctorId as uuid))`;

/**
 * Minutes of visiting hours each doctor offered in the range: every local date of the doctor's
 * zone that touches the range, that date's override (closed, or its own ranges) or else the
 * weekly ranges of its weekday, each turned into instants in the doctor's zone (so DST days have
 * their real length) and clipped to the range.
 */
export const OFFERED_MINUTES_SQL = `
  with days as (
    select av.doctor_id, d.time_zone, day::date as day, av.weekly, av.overrides
      from doctor_availability av join doctors d on d.id = av.doctor_id
     cross join lateral generate_series(
       (cast(:from as timestamptz) at time zone d.time_zone)::date - 1,
       (cast(:to as timestamptz) at time zone d.time_zone)::date,
       interval '1 day') day
     where (cast(:doctorId as uuid) is null or av.doctor_id = cast(:doctorId as uuid))
  ), ranges as (
    select days.doctor_id, days.time_zone, days.day, r.value as r
      from days
     cross join lateral jsonb_array_elements(coalesce(
       (select case when coalesce((o.value ->> 'closed')::boolean, false) then '[]'::jsonb
                    else coalesce(o.value -> 'ranges', '[]'::jsonb) end
          from jsonb_array_elements(days.overrides) o where o.value ->> 'date' = to_char(days.day, 'YYYY-MM-DD') limit 1),
       (select coalesce(jsonb_agg(w.value), '[]'::jsonb)
          from jsonb_array_elements(days.weekly) w where (w.value ->> 'weekday')::int = extract(isodow from days.day)))) r
  ), spans as (
    select doctor_id,
           greatest((day + (r ->> 'start')::time) at time zone time_zone, cast(:from as timestamptz)) as s,
           least((day + (r ->> 'end')::time) at time zone time_zone, cast(:to as timestamptz)) as e
      from ranges
  )
  select doctor_id, sum(greatest(0, extract(epoch from (e - s)) / 60)) as offered
    from spans group by doctor_id`;

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
      `select x.doctor_id as "doctorId", ${labelSql('x.bucket')} as "period",
              count(*) as "booked",
              count(*) filter (where x.status = 'completed') as "completed",
              count(*) filter (where x.status = 'cancelled') as "cancelled",
              count(*) filter (where x.status = 'no-show') as "noShow",
              sum(x.held_minutes) as "heldMinutes"
         from (${APPOINTMENTS_SQL}) x group by x.doctor_id, x.bucket`,
      b,
    ),
    knex.raw(OFFERED_MINUTES_SQL, b),
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
  for (const r of offered.rows as { doctor_id: string; offered: string }[]) {
    const minutes = Number(r.offered);
    if (minutes <= 0 && !doctors.has(r.doctor_id)) continue;
    doctor(r.doctor_id).offered += minutes;
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
