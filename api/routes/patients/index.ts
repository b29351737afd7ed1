import { createPatient, type CreatePatientInput } from '../../../domain/patients/create-patient.js';
import { deletePatient } from '../../../domain/patients/delete-patient.js';
import { getPatient } from '../../../domain/patients/get-patient.js';
import { listPatientDoctors } from '../../../domain/patients/list-patient-doctors.js';
import { listPatients, type ListPatientsQuery } from '../../../domain/patients/list-patients.js';
import { updatePatient, type UpdatePatientInput } from '../../../domain/patients/update-patient.js';
import { defineRoutes } from '../../route.js';
import { idParams, listOf, objectSchema, pageQueryProps } from '../../schemas.js';
import { presentDoctor } from '../doctors/present.js';
import { doctorPublicSchema } from '../doctors/schemas.js';
import { presentPatient } from './present.js';
import {
  createPatientBody,
  listPatientsQuery,
  patientListSchema,
  patientSchema,
  updatePatientBody,
} from './schemas.js';

const tags = ['patients'];

/** Patient profiles: walk-in registration, search, demographics, soft delete, care team. */
export const patientsRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/patients',
    operationId: 'createPatient',
    summary:
      'Register a walk-in patient (a profile without an account); a doctor registering one is mapped to them',
    tags,
    access: ['staff', 'nurse', 'doctor', 'admin'],
    status: 201,
    body: createPatientBody,
    response: patientSchema,
    handler: async (ctx) =>
      presentPatient(await createPatient(ctx.state.actor!, ctx.state.body as CreatePatientInput)),
  },
  {
    method: 'GET',
    path: '/patients',
    operationId: 'listPatients',
    summary: 'List and search the patients the caller may see (by name or phone), sorted by name',
    tags,
    access: 'authenticated',
    query: listPatientsQuery,
    response: patientListSchema,
    handler: async (ctx) => {
      const page = await listPatients(ctx.state.actor!, ctx.state.query as unknown as ListPatientsQuery);
      return { items: page.items.map(presentPatient), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'GET',
    path: '/patients/:id',
    operationId: 'getPatient',
    summary: "Get a patient's profile",
    tags,
    access: 'authenticated',
    params: idParams,
    response: patientSchema,
    handler: async (ctx) => presentPatient(await getPatient(ctx.state.actor!, ctx.state.params.id as string)),
  },
  {
    method: 'PATCH',
    path: '/patients/:id',
    operationId: 'updatePatient',
    summary:
      "Change a patient's demographics (a patient: name, phone, address, gender, timeZone of their own profile)",
    tags,
    access: 'authenticated',
    params: idParams,
    body: updatePatientBody,
    response: patientSchema,
    handler: async (ctx) =>
      presentPatient(
        await updatePatient(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as UpdatePatientInput,
        ),
      ),
  },
  {
    method: 'DELETE',
    path: '/patients/:id',
    operationId: 'deletePatient',
    summary: 'Soft-delete a patient; clinical history is kept (409 while upcoming appointments exist)',
    tags,
    access: ['admin'],
    status: 204,
    params: idParams,
    handler: async (ctx) => {
      await deletePatient(ctx.state.actor!, ctx.state.params.id as string);
    },
  },
  {
    method: 'GET',
    path: '/patients/:id/doctors',
    operationId: 'listPatientDoctors',
    summary: 'List the doctors a patient is mapped to',
    tags,
    access: 'authenticated',
    params: idParams,
    query: objectSchema({ ...pageQueryProps }),
    response: listOf(doctorPublicSchema),
    handler: async (ctx) => {
      const q = ctx.state.query as { limit: number; cursor?: string };
      const page = await listPatientDoctors(ctx.state.actor!, ctx.state.params.id as string, q);
      return { items: page.items.map((d) => presentDoctor(d)), nextCursor: page.nextCursor };
    },
  },
]);
