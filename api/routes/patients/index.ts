import { errorSpec } from '../../../lib/errors.js';
import { createPatient } from '../../../domain/patients/create-patient.js';
import { deletePatient } from '../../../domain/patients/delete-patient.js';
import { getPatient } from '../../../domain/patients/get-patient.js';
import { listPatientDoctors } from '../../../domain/patients/list-patient-doctors.js';
import { listPatients } from '../../../domain/patients/list-patients.js';
import { updatePatient } from '../../../domain/patients/update-patient.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams, ListOf, PageQueryProps, StrictObject } from '../../../lib/schema.js';
import { presentDoctor } from '../doctors/present.js';
import { DoctorPublic } from '../doctors/schemas.js';
import { presentPatient } from './present.js';
import { Patient, PatientList } from './schemas.js';
import {
  CreatePatientInput,
  ListPatientsQuery,
  UpdatePatientInput,
} from '../../../domain/patients/schemas.js';

const tags = ['patients'];

/** Patient profiles: walk-in registration, search, demographics, soft delete, care team. */
export const patientsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/patients',
    operationId: 'createPatient',
    summary:
      'Register a walk-in patient (a profile without an account); a doctor registering one is mapped to them',
    tags,
    access: ['staff', 'nurse', 'doctor', 'admin'],
    status: 201,
    body: CreatePatientInput,
    response: Patient,
    handler: async (ctx) => presentPatient(await createPatient(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/patients',
    operationId: 'listPatients',
    summary: 'List and search the patients the caller may see (by name or phone), sorted by name',
    tags,
    access: 'authenticated',
    query: ListPatientsQuery,
    response: PatientList,
    handler: async (ctx) => {
      const page = await listPatients(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(presentPatient), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/patients/:id',
    operationId: 'getPatient',
    summary: "Get a patient's profile",
    tags,
    access: 'authenticated',
    params: IdParams,
    response: Patient,
    handler: async (ctx) => presentPatient(await getPatient(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/patients/:id',
    errors: [errorSpec(403, 'forbidden', 'The access policy does not let this role use this data')],
    operationId: 'updatePatient',
    summary:
      "Change a patient's demographics (a patient: name, phone, address, gender, timeZone of their own profile)",
    tags,
    access: 'authenticated',
    params: IdParams,
    body: UpdatePatientInput,
    response: Patient,
    handler: async (ctx) =>
      presentPatient(await updatePatient(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'DELETE',
    path: '/patients/:id',
    errors: [errorSpec(409, 'conflict', 'The record is still in use')],
    operationId: 'deletePatient',
    summary: 'Soft-delete a patient; clinical history is kept (409 while upcoming appointments exist)',
    tags,
    access: ['admin'],
    status: 204,
    params: IdParams,
    handler: async (ctx) => {
      await deletePatient(ctx.state.actor, ctx.state.params.id);
    },
  }),
  route({
    method: 'GET',
    path: '/patients/:id/doctors',
    operationId: 'listPatientDoctors',
    summary: 'List the doctors a patient is mapped to',
    tags,
    access: 'authenticated',
    params: IdParams,
    query: StrictObject({ ...PageQueryProps }),
    response: ListOf(DoctorPublic),
    handler: async (ctx) => {
      const q = ctx.state.query;
      const page = await listPatientDoctors(ctx.state.actor, ctx.state.params.id, q);
      return { items: page.items.map((d) => presentDoctor(d)), nextCursor: page.nextCursor };
    },
  }),
]);
