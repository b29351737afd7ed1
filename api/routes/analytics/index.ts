import { appointmentSummary } from '../../../domain/analytics/appointment-summary.js';
import {
  appointmentSummaryCsv,
  patientSummaryCsv,
  revenueSummaryCsv,
} from '../../../domain/analytics/csv.js';
import { patientSummary } from '../../../domain/analytics/patient-summary.js';
import type { SummaryQuery as SummaryQueryType } from '../../../domain/analytics/range.js';
import { revenueSummary } from '../../../domain/analytics/revenue-summary.js';
import type { Actor } from '../../../domain/auth/actor.js';
import { defineRoutes, type AppContext, type RouteDef } from '../../route.js';
import { AppointmentSummary, PatientSummary, RevenueSummary, SummaryQuery } from './schemas.js';

/**
 * Answers JSON, or CSV with the same figures when the client prefers `text/csv`
 * (`Accept: text/csv`).
 */
function summaryRoute<T>(
  name: string,
  operationId: string,
  summary: string,
  response: RouteDef['response'],
  compute: (actor: Actor, q: SummaryQueryType) => Promise<T>,
  csv: (s: T) => string,
): RouteDef {
  return {
    method: 'GET',
    path: `/analytics/${name}`,
    operationId,
    summary,
    tags: ['analytics'],
    // Admins read everything; a doctor only their own figures (checked in domain/analytics/range.ts).
    access: ['admin', 'doctor'],
    query: SummaryQuery,
    response,
    handler: async (ctx: AppContext) => {
      const result = await compute(ctx.state.actor!, ctx.state.query as unknown as SummaryQueryType);
      if (ctx.accepts('application/json', 'text/csv') === 'text/csv') {
        ctx.status = 200;
        ctx.type = 'text/csv; charset=utf-8';
        ctx.set('Content-Disposition', `attachment; filename="${name}.csv"`);
        ctx.body = csv(result);
        return undefined;
      }
      return result;
    },
  };
}

export const analyticsRoutes = defineRoutes([
  summaryRoute(
    'patient-summary',
    'getPatientSummary',
    'Patients, new patients, walk-ins and visits per clinic-zone period (JSON or CSV)',
    PatientSummary,
    patientSummary,
    patientSummaryCsv,
  ),
  summaryRoute(
    'revenue-summary',
    'getRevenueSummary',
    'Revenue per currency: gross, refunded and net per period, from Stripe and desk payments (JSON or CSV)',
    RevenueSummary,
    revenueSummary,
    revenueSummaryCsv,
  ),
  summaryRoute(
    'appointment-summary',
    'getAppointmentSummary',
    'Bookings, completions, cancellation and no-show rates and utilisation, by period and doctor (JSON or CSV)',
    AppointmentSummary,
    appointmentSummary,
    appointmentSummaryCsv,
  ),
]);
