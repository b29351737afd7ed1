import { errorSpec, notFound } from '../../../lib/errors.js';
import { createMapping } from '../../../domain/mappings/create-mapping.js';
import { deleteMapping } from '../../../domain/mappings/delete-mapping.js';
import { listMappings } from '../../../domain/mappings/list-mappings.js';
import { CreateMappingInput, ListMappingsQuery } from '../../../domain/mappings/schemas.js';
import type { MappingRow } from '../../../domain/mappings/mapping.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams, ListOf } from '../../../lib/schema.js';
import { Mapping } from './schemas.js';

const tags = ['mappings'];

const presentMapping = (m: MappingRow): Mapping => ({
  id: m.id,
  patientId: m.patientId,
  doctorId: m.doctorId,
  createdBy: m.createdBy,
  createdAt: m.createdAt.toISOString(),
});

/** Patient–doctor mappings: who is in a patient's care team. */
export const mappingsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/mappings',
    errors: [notFound('patient or doctor'), errorSpec(409, 'duplicate', 'Such a record already exists')],
    operationId: 'createMapping',
    summary: 'Map a patient to a doctor (409 duplicate when already mapped)',
    tags,
    access: ['admin', 'staff', 'nurse'],
    status: 201,
    body: CreateMappingInput,
    response: Mapping,
    handler: async (ctx) => presentMapping(await createMapping(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/mappings',
    operationId: 'listMappings',
    summary: 'List mappings, newest first (doctors and patients see only their own)',
    tags,
    access: 'authenticated',
    query: ListMappingsQuery,
    response: ListOf(Mapping),
    handler: async (ctx) => {
      const page = await listMappings(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(presentMapping), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'DELETE',
    path: '/mappings/:id',
    operationId: 'deleteMapping',
    summary: 'Remove a mapping',
    tags,
    access: ['admin', 'staff', 'nurse'],
    status: 204,
    params: IdParams,
    handler: async (ctx) => {
      await deleteMapping(ctx.state.actor, ctx.state.params.id);
    },
  }),
]);
