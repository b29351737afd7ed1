/** The summaries as CSV (`Accept: text/csv`): the same figures, one row per series bucket, doctor and total. */
import type { AppointmentSummary } from './appointment-summary.js';
import type { PatientSummary } from './patient-summary.js';
import type { RevenueSummary } from './revenue-summary.js';

const cell = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote when needed, and defuse spreadsheet formulas in text cells (names).
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
const lines = (rows: (string | number | null | undefined)[][]): string =>
  rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

export function patientSummaryCsv(s: PatientSummary): string {
  return lines([
    ['scope', 'period', 'patients', 'newPatients', 'visits', 'walkIns'],
    ...s.series.map((r) => ['period', r.period, null, r.newPatients, r.visits, null]),
    ['total', null, s.totals.patients, s.totals.newPatients, s.totals.visits, s.totals.walkIns],
  ]);
}

export function revenueSummaryCsv(s: RevenueSummary): string {
  return lines([
    ['scope', 'currency', 'period', 'grossCents', 'refundedCents', 'netCents'],
    ...s.currencies.flatMap((c) => [
      ...c.series.map((r) => ['period', c.currency, r.period, r.grossCents, r.refundedCents, r.netCents]),
      ['total', c.currency, null, c.totals.grossCents, c.totals.refundedCents, c.totals.netCents],
    ]),
  ]);
}

export function appointmentSummaryCsv(s: AppointmentSummary): string {
  const t = s.totals;
  return lines([
    [
      'scope',
      'period',
      'doctorId',
      'name',
      'booked',
      'completed',
      'cancelled',
      'noShow',
      'cancellationRate',
      'noShowRate',
      'utilisation',
    ],
    ...s.series.map((r) => [
      'period',
      r.period,
      null,
      null,
      r.booked,
      r.completed,
      r.cancelled,
      r.noShow,
      null,
      null,
      null,
    ]),
    ...s.byDoctor.map((d) => [
      'doctor',
      null,
      d.doctorId,
      d.name,
      d.booked,
      d.completed,
      null,
      null,
      null,
      d.noShowRate,
      d.utilisation,
    ]),
    [
      'total',
      null,
      null,
      null,
      t.booked,
      t.completed,
      t.cancelled,
      t.noShow,
      t.cancellationRate,
      t.noShowRate,
      t.utilisation,
    ],
  ]);
}
