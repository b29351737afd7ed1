import { appointmentSummary } from '../../../domain/analytics/appointment-summary.js';
import {
  appointmentSummaryCsv,
  patientSummaryCsv,
  revenueSummaryCsv,
} from '../../../domain/analytics/csv.js';
import { patientSummary } from '../../../domain/analytics/patient-summary.js';
import { revenueSummary } from '../../../domain/analytics/revenue-summary.js';
import { errorSpec } from '../../../lib/errors.js';
import { defineRoutes, route } from '../../route.js';
import type { ParameterizedContext } from 'koa';
import { AppointmentSummary, PatientSummary, RevenueSummary, SummaryQuery } from './schemas.js';

const tags = ['analytics'];
// Admins read everything; a doctor only their own figures (checked in domain/analytics/range.ts).
const access = ['admin', 'doctor'] as const;
const otherDoctor = errorSpec(403, 'forbidden', 'A doctor asked for another doctor’s figures');
const description =
  'Periods are calendar days, ISO weeks or months of CLINIC_TIME_ZONE (DST-correct). ' +
  'Send `Accept: text/csv` for the same figures as CSV. 400 when `from` is not before `to` ' +
  'or the range has more than 1100 buckets. Definitions: docs/analytics.md.';

/** Sends `csv` instead of JSON when the client prefers `text/csv`; returns whether it did. */
function sendCsv<S>(ctx: ParameterizedContext<S>, name: string, csv: () => string): boolean {
  if (ctx.accepts('application/json', 'text/csv') !== 'text/csv') return false;
  ctx.status = 200;
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${name}.csv"`);
  ctx.body = csv();
  return true;
}

export const analyticsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/analytics/patient-summary',
    operationId: 'getPatientSummary',
    summary: 'Patients, new patients, walk-ins and visits per period',
    description,
    tags,
    access,
    query: SummaryQuery,
    response: PatientSummary,
    errors: [otherDoctor],
    handler: async (ctx) => {
      const s = await patientSummary(ctx.state.actor, ctx.state.query);
      return sendCsv(ctx, 'patient-summary', () => patientSummaryCsv(s)) ? undefined : s;
    },
  }),
  route({
    method: 'GET',
    path: '/analytics/revenue-summary',
    operationId: 'getRevenueSummary',
    summary: 'Revenue per currency (gross, refunded, net) per period, from Stripe and desk payments',
    description,
    tags,
    access,
    query: SummaryQuery,
    response: RevenueSummary,
    errors: [otherDoctor],
    handler: async (ctx) => {
      const s = await revenueSummary(ctx.state.actor, ctx.state.query);
      return sendCsv(ctx, 'revenue-summary', () => revenueSummaryCsv(s)) ? undefined : s;
    },
  }),
  route({
    method: 'GET',
    path: '/analytics/appointment-summary',
    operationId: 'getAppointmentSummary',
    summary: 'Bookings, completions, cancellation and no-show rates and utilisation, per period and doctor',
    description,
    tags,
    access,
    query: SummaryQuery,
    response: AppointmentSummary,
    errors: [otherDoctor],
    handler: async (ctx) => {
      const s = await appointmentSummary(ctx.state.actor, ctx.state.query);
      return sendCsv(ctx, 'appointment-summary', () => appointmentSummaryCsv(s)) ? undefined : s;
    },
  }),
]);
