import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { CARE_APPOINTMENT_STATUSES } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import {
  bucketSql,
  fillSeries,
  labelSql,
  resolveRange,
  type ReportRange,
  type SummaryQuery,
} from './range.js';

export interface PatientSummary {
  from: string;
  to: string;
  interval: ReportRange['interval'];
  timeZone: string;
  doctorId: string | null;
  totals: { patients: number; newPatients: number; visits: number; walkIns: number };
  series: { period: string; newPatients: number; visits: number }[];
}

/** Patients in a doctor's care (mapped, or with a live appointment), or every patient without a doctor. */
export const CARE_SQL = `(cast(:doctorId as uuid) is null
  or exists (select 1 from patient_doctor_mappings m where m.patient_id = p.id and m.doctor_id = cast(:doctorId as uuid))
  or exists (select 1 from appointments ca where ca.patient_id = p.id and ca.doctor_id = cast(:doctorId as uuid)
             and ca.status in (${CARE_APPOINTMENT_STATUSES.map((s) => `'${s}'`).join(', ')})))`;

/**
 * Patient figures for the range:
 * - `patients`: patient profiles (not deleted) that existed at the end of the range;
 * - `newPatients`: profiles created in the range; `walkIns`: those of them without an account;
 * - `visits`: visits that took place in the range (`occurred_at`).
 * With a doctor, patients are those in the doctor's care and visits the doctor's own.
 */
export async function patientSummary(actor: Actor, q: SummaryQuery): Promise<PatientSummary> {
  const range = resolveRange(actor, q, services().config.clinicTimeZone);
  const knex = db();
  const b = {
    from: range.from,
    to: range.to,
    tz: range.timeZone,
    interval: range.interval,
    doctorId: range.doctorId,
  };
  const [totals, newSeries, visitSeries] = await Promise.all([
    knex.raw(
      `select
         (select count(*) from patients p where p.deleted_at is null and p.created_at < :to and ${CARE_SQL}) as "patients",
         (select count(*) from patients p where p.deleted_at is null and p.created_at >= :from and p.created_at < :to and ${CARE_SQL}) as "newPatients",
         (select count(*) from patients p where p.deleted_at is null and p.user_id is null and p.created_at >= :from and p.created_at < :to and ${CARE_SQL}) as "walkIns",
         (select count(*) from visits v where v.occurred_at >= :from and v.occurred_at < :to
            and (cast(:doctorId as uuid) is null or v.doctor_id = cast(:doctorId as uuid))) as "visits"`,
      b,
    ),
    knex.raw(
      `select ${labelSql('b')} as "period", n as "n" from (
         select ${bucketSql('p.created_at')} as b, count(*) as n from patients p
          where p.deleted_at is null and p.created_at >= :from and p.created_at < :to and ${CARE_SQL}
          group by 1) x`,
      b,
    ),
    knex.raw(
      `select ${labelSql('b')} as "period", n as "n" from (
         select ${bucketSql('v.occurred_at')} as b, count(*) as n from visits v
          where v.occurred_at >= :from and v.occurred_at < :to
            and (cast(:doctorId as uuid) is null or v.doctor_id = cast(:doctorId as uuid))
          group by 1) x`,
      b,
    ),
  ]);
  const t = totals.rows[0] as Record<string, string | number>;
  const rows = new Map<string, { newPatients: number; visits: number }>();
  const row = (p: string) => {
    let r = rows.get(p);
    if (!r) rows.set(p, (r = { newPatients: 0, visits: 0 }));
    return r;
  };
  for (const r of newSeries.rows as { period: string; n: number }[]) row(r.period).newPatients = Number(r.n);
  for (const r of visitSeries.rows as { period: string; n: number }[]) row(r.period).visits = Number(r.n);
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    interval: range.interval,
    timeZone: range.timeZone,
    doctorId: range.doctorId,
    totals: {
      patients: Number(t.patients),
      newPatients: Number(t.newPatients),
      visits: Number(t.visits),
      walkIns: Number(t.walkIns),
    },
    series: fillSeries(range.periods, rows, () => ({ newPatients: 0, visits: 0 })),
  };
}
