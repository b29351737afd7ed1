import { createVisit, type CreateVisitInput } from '../../../domain/visits/create-visit.js';
import { getVisit } from '../../../domain/visits/get-visit.js';
import { listPatientVisits } from '../../../domain/visits/list-visits.js';
import { updateVisit, type UpdateVisitInput } from '../../../domain/visits/update-visit.js';
import type { VisitRow } from '../../../domain/visits/visit.js';
import type { JsonSchema } from '../../route.js';
import { defineRoutes } from '../../route.js';
import { dateTime, idParams, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const tags = ['visits'];
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const nullable = (s: Record<string, unknown>) => ({ anyOf: [s, { type: 'null' }] });
const clinical = {
  complaint: text(10_000),
  diagnosis: text(10_000),
  treatment: text(10_000),
  notes: text(20_000),
};
/** A visit documents something: at least one clinical field. */
const someContent = { anyOf: Object.keys(clinical).map((k) => ({ required: [k] })) };

const visitSchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'patientId',
    'doctorId',
    'appointmentId',
    'occurredAt',
    'createdBy',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: uuid,
    patientId: uuid,
    doctorId: { anyOf: [uuid, { type: 'null' }] },
    appointmentId: { anyOf: [uuid, { type: 'null' }] },
    occurredAt: dateTime,
    complaint: { type: ['string', 'null'] },
    diagnosis: { type: ['string', 'null'] },
    treatment: { type: ['string', 'null'] },
    notes: { type: ['string', 'null'] },
    createdBy: uuid,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
};

const presentVisit = (v: VisitRow) => ({
  id: v.id,
  patientId: v.patientId,
  doctorId: v.doctorId,
  appointmentId: v.appointmentId,
  occurredAt: v.occurredAt,
  complaint: v.complaint,
  diagnosis: v.diagnosis,
  treatment: v.treatment,
  notes: v.notes,
  createdBy: v.createdBy,
  createdAt: v.createdAt,
  updatedAt: v.updatedAt,
});

/** Visits: one per consultation, forming each patient's timeline. Every access is audited. */
export const visitsRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/visits',
    operationId: 'createVisit',
    summary: 'Record a visit (a doctor for patients in their care, a nurse for any patient)',
    tags,
    access: 'authenticated',
    status: 201,
    body: objectSchema(
      { patientId: uuid, doctorId: uuid, appointmentId: uuid, occurredAt: dateTime, ...clinical },
      ['patientId'],
      someContent,
    ),
    response: visitSchema,
    handler: async (ctx) =>
      presentVisit(await createVisit(ctx.state.actor!, ctx.state.body as CreateVisitInput)),
  },
  {
    method: 'GET',
    path: '/visits/:id',
    operationId: 'getVisit',
    summary: 'Get one visit; the read is audited',
    tags,
    access: 'authenticated',
    params: idParams,
    response: visitSchema,
    handler: async (ctx) => presentVisit(await getVisit(ctx.state.actor!, ctx.state.params.id as string)),
  },
  {
    method: 'PATCH',
    path: '/visits/:id',
    operationId: 'updateVisit',
    summary: 'Amend a visit (its author or its doctor)',
    tags,
    access: 'authenticated',
    params: idParams,
    body: objectSchema(
      {
        occurredAt: dateTime,
        complaint: nullable(clinical.complaint),
        diagnosis: nullable(clinical.diagnosis),
        treatment: nullable(clinical.treatment),
        notes: nullable(clinical.notes),
      },
      [],
      { minProperties: 1 },
    ),
    response: visitSchema,
    handler: async (ctx) =>
      presentVisit(
        await updateVisit(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as UpdateVisitInput,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/patients/:id/visits',
    operationId: 'listPatientVisits',
    summary: "A patient's visit timeline, newest first; the read is audited",
    tags,
    access: 'authenticated',
    params: idParams,
    query: objectSchema({ ...pageQueryProps }),
    response: listOf(visitSchema),
    handler: async (ctx) => {
      const page = await listPatientVisits(
        ctx.state.actor!,
        ctx.state.params.id as string,
        ctx.state.query as { limit: number; cursor?: string },
      );
      return { items: page.items.map(presentVisit), nextCursor: page.nextCursor };
    },
  },
]);
