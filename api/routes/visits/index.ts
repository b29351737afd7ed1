import { errorSpec, notFound } from '../../../lib/errors.js';
import { createVisit } from '../../../domain/visits/create-visit.js';
import { getVisit } from '../../../domain/visits/get-visit.js';
import { listPatientVisits } from '../../../domain/visits/list-visits.js';
import { CreateVisitInput, ListVisitsQuery, UpdateVisitInput } from '../../../domain/visits/schemas.js';
import { updateVisit } from '../../../domain/visits/update-visit.js';
import type { VisitRow } from '../../../domain/visits/visit.js';
import { IdParams, ListOf } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import { Visit } from './schemas.js';

const tags = ['visits'];
const presentVisit = (v: VisitRow): Visit => ({
  id: v.id,
  patientId: v.patientId,
  doctorId: v.doctorId,
  appointmentId: v.appointmentId,
  occurredAt: v.occurredAt.toISOString(),
  complaint: v.complaint,
  diagnosis: v.diagnosis,
  treatment: v.treatment,
  notes: v.notes,
  createdBy: v.createdBy,
  createdAt: v.createdAt.toISOString(),
  updatedAt: v.updatedAt.toISOString(),
});

/** Visits: one per consultation, forming each patient's timeline. Every access is audited. */
export const visitsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/visits',
    errors: [
      errorSpec(403, 'forbidden', 'The access policy does not let this role use this data'),
      notFound('patient, doctor or appointment'),
      errorSpec(409, 'duplicate', 'Such a record already exists'),
    ],
    operationId: 'createVisit',
    summary: 'Record a visit (a doctor for patients in their care, a nurse for any patient)',
    tags,
    access: 'authenticated',
    status: 201,
    body: CreateVisitInput,
    response: Visit,
    handler: async (ctx) => presentVisit(await createVisit(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/visits/:id',
    errors: [errorSpec(403, 'forbidden', 'The access policy does not let this role use this data')],
    operationId: 'getVisit',
    summary: 'Get one visit; the read is audited',
    tags,
    access: 'authenticated',
    params: IdParams,
    response: Visit,
    handler: async (ctx) => presentVisit(await getVisit(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/visits/:id',
    errors: [errorSpec(403, 'forbidden', 'The access policy does not let this role use this data')],
    operationId: 'updateVisit',
    summary: 'Amend a visit (its author or its doctor)',
    tags,
    access: 'authenticated',
    params: IdParams,
    body: UpdateVisitInput,
    response: Visit,
    handler: async (ctx) =>
      presentVisit(await updateVisit(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/patients/:id/visits',
    errors: [errorSpec(403, 'forbidden', 'The access policy does not let this role use this data')],
    operationId: 'listPatientVisits',
    summary: "A patient's visit timeline, newest first; the read is audited",
    tags,
    access: 'authenticated',
    params: IdParams,
    query: ListVisitsQuery,
    response: ListOf(Visit),
    handler: async (ctx) => {
      const page = await listPatientVisits(ctx.state.actor, ctx.state.params.id, ctx.state.query);
      return { items: page.items.map(presentVisit), nextCursor: page.nextCursor };
    },
  }),
]);
