import { getDoctor } from '../../../domain/doctors/get-doctor.js';
import { listDoctors } from '../../../domain/doctors/list-doctors.js';
import { updateDoctor } from '../../../domain/doctors/update-doctor.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { presentDoctor, presentDoctorProfile } from './present.js';
import { Doctor, DoctorList } from './schemas.js';
import { ListDoctorsQuery, UpdateDoctorInput } from '../../../domain/doctors/schemas.js';

const tags = ['doctors'];

/** The doctor directory and doctors' own profiles (availability, slots and reviews live in their areas). */
export const doctorsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/doctors',
    operationId: 'listDoctors',
    summary: 'List active doctors (public directory), filtered by specialization or a search term',
    tags,
    access: 'public',
    query: ListDoctorsQuery,
    response: DoctorList,
    handler: async (ctx) => {
      const page = await listDoctors(ctx.state.query);
      return { items: page.items.map(presentDoctor), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/doctors/:id',
    operationId: 'getDoctor',
    summary: "Get a doctor's profile with contact details",
    tags,
    access: 'authenticated',
    params: IdParams,
    response: Doctor,
    handler: async (ctx) =>
      presentDoctorProfile(await getDoctor(ctx.state.actor, ctx.state.params.id), ctx.state.actor),
  }),
  route({
    method: 'PATCH',
    path: '/doctors/:id',
    operationId: 'updateDoctor',
    summary: "Change a doctor's profile (the doctor themself or an admin); rating fields are not writable",
    tags,
    access: ['doctor', 'admin'],
    params: IdParams,
    body: UpdateDoctorInput,
    response: Doctor,
    handler: async (ctx) =>
      presentDoctorProfile(
        await updateDoctor(ctx.state.actor, ctx.state.params.id, ctx.state.body),
        ctx.state.actor,
      ),
  }),
]);
