import { createMapping } from '../../../domain/mappings/create-mapping.js';
import { deleteMapping } from '../../../domain/mappings/delete-mapping.js';
import { listMappings, type ListMappingsQuery } from '../../../domain/mappings/list-mappings.js';
import type { MappingRow } from '../../../domain/mappings/mapping.js';
import type { JsonSchema } from '../../route.js';
import { defineRoutes } from '../../route.js';
import { dateTime, idParams, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const tags = ['mappings'];

const mappingSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'patientId', 'doctorId', 'createdAt'],
  properties: {
    id: uuid,
    patientId: uuid,
    doctorId: uuid,
    createdBy: { type: ['string', 'null'] },
    createdAt: dateTime,
  },
};

const presentMapping = (m: MappingRow) => ({
  id: m.id,
  patientId: m.patientId,
  doctorId: m.doctorId,
  createdBy: m.createdBy,
  createdAt: m.createdAt,
});

/** Patient–doctor mappings: who is in a patient's care team. */
export const mappingsRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/mappings',
    operationId: 'createMapping',
    summary: 'Map a patient to a doctor (409 duplicate when already mapped)',
    tags,
    access: ['admin', 'staff', 'nurse'],
    status: 201,
    body: objectSchema({ patientId: uuid, doctorId: uuid }, ['patientId', 'doctorId']),
    response: mappingSchema,
    handler: async (ctx) =>
      presentMapping(
        await createMapping(ctx.state.actor!, ctx.state.body as { patientId: string; doctorId: string }),
      ),
  },
  {
    method: 'GET',
    path: '/mappings',
    operationId: 'listMappings',
    summary: 'List mappings, newest first (doctors and patients see only their own)',
    tags,
    access: 'authenticated',
    query: objectSchema({ patientId: uuid, doctorId: uuid, ...pageQueryProps }),
    response: listOf(mappingSchema),
    handler: async (ctx) => {
      const page = await listMappings(ctx.state.actor!, ctx.state.query as unknown as ListMappingsQuery);
      return { items: page.items.map(presentMapping), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'DELETE',
    path: '/mappings/:id',
    operationId: 'deleteMapping',
    summary: 'Remove a mapping',
    tags,
    access: ['admin', 'staff', 'nurse'],
    status: 204,
    params: idParams,
    handler: async (ctx) => {
      await deleteMapping(ctx.state.actor!, ctx.state.params.id as string);
    },
  },
]);
