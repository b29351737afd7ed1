import { getDoctor } from '../../../domain/doctors/get-doctor.js';
import { listDoctors, type ListDoctorsQuery } from '../../../domain/doctors/list-doctors.js';
import { updateDoctor, type UpdateDoctorInput } from '../../../domain/doctors/update-doctor.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import { presentDoctor, presentDoctorProfile } from './present.js';
import { doctorListSchema, doctorSchema, listDoctorsQuery, updateDoctorBody } from './schemas.js';

const tags = ['doctors'];

/** The doctor directory and doctors' own profiles (availability, slots and reviews live in their areas). */
export const doctorsRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/doctors',
    operationId: 'listDoctors',
    summary: 'List active doctors (public directory), filtered by specialization or a search term',
    tags,
    access: 'public',
    query: listDoctorsQuery,
    response: doctorListSchema,
    handler: async (ctx) => {
      const page = await listDoctors(ctx.state.query as unknown as ListDoctorsQuery);
      return { items: page.items.map(presentDoctor), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'GET',
    path: '/doctors/:id',
    operationId: 'getDoctor',
    summary: "Get a doctor's profile with contact details",
    tags,
    access: 'authenticated',
    params: idParams,
    response: doctorSchema,
    handler: async (ctx) =>
      presentDoctorProfile(
        await getDoctor(ctx.state.actor!, ctx.state.params.id as string),
        ctx.state.actor!,
      ),
  },
  {
    method: 'PATCH',
    path: '/doctors/:id',
    operationId: 'updateDoctor',
    summary: "Change a doctor's profile (the doctor themself or an admin); rating fields are not writable",
    tags,
    access: ['doctor', 'admin'],
    params: idParams,
    body: updateDoctorBody,
    response: doctorSchema,
    handler: async (ctx) =>
      presentDoctorProfile(
        await updateDoctor(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as UpdateDoctorInput,
        ),
        ctx.state.actor!,
      ),
  },
]);
