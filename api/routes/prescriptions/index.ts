import { errorSpec, notFound } from '../../../lib/errors.js';
import { createPrescription } from '../../../domain/prescriptions/create-prescription.js';
import { deletePrescription } from '../../../domain/prescriptions/delete-prescription.js';
import {
  getPrescription,
  listPatientPrescriptions,
} from '../../../domain/prescriptions/read-prescriptions.js';
import { optOutOfReminders, updatePrescription } from '../../../domain/prescriptions/update-prescription.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams, ListOf } from '../../../lib/schema.js';
import { presentPrescription } from './present.js';
import { Prescription } from './schemas.js';
import {
  CreatePrescriptionInput,
  ListPatientPrescriptionsQuery,
  UpdatePrescriptionInput,
} from '../../../domain/prescriptions/schemas.js';

const READERS = ['patient', 'doctor', 'nurse', 'staff', 'admin'] as const;

/** Prescriptions (SPEC module 9): written by the appointment's doctor, read per the access policy, all audited. */
export const prescriptionsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/prescriptions',
    errors: [
      notFound('appointment'),
      errorSpec(409, 'invalid_state', 'The record is not in a state that allows this'),
    ],
    operationId: 'createPrescription',
    summary: "Prescribe medications on a confirmed or completed appointment (the appointment's doctor only)",
    tags: ['prescriptions'],
    access: ['doctor'],
    status: 201,
    body: CreatePrescriptionInput,
    response: Prescription,
    handler: async (ctx) => presentPrescription(await createPrescription(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/prescriptions/:id',
    operationId: 'getPrescription',
    summary: 'Get a prescription (deleted ones are kept as history)',
    tags: ['prescriptions'],
    access: [...READERS],
    params: IdParams,
    response: Prescription,
    handler: async (ctx) => presentPrescription(await getPrescription(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/prescriptions/:id',
    errors: [errorSpec(409, 'invalid_state', 'The record is not in a state that allows this')],
    operationId: 'updatePrescription',
    summary:
      'Change a prescription: the prescribing doctor its notes and medications, the patient only remindersEnabled',
    tags: ['prescriptions'],
    access: ['doctor', 'patient'],
    params: IdParams,
    body: UpdatePrescriptionInput,
    response: Prescription,
    handler: async (ctx) =>
      presentPrescription(await updatePrescription(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'DELETE',
    path: '/prescriptions/:id',
    errors: [errorSpec(409, 'invalid_state', 'The record is not in a state that allows this')],
    operationId: 'deletePrescription',
    summary: 'Delete a prescription (status becomes deleted; its reminders stop at once)',
    tags: ['prescriptions'],
    access: ['doctor'],
    status: 204,
    params: IdParams,
    handler: async (ctx) => {
      await deletePrescription(ctx.state.actor, ctx.state.params.id);
    },
  }),
  route({
    method: 'POST',
    path: '/prescriptions/:id/reminders/opt-out',
    operationId: 'optOutOfMedicationReminders',
    summary: "Switch off the patient's medication reminders for this prescription (the emails' opt-out link)",
    tags: ['prescriptions'],
    access: ['patient'],
    params: IdParams,
    response: Prescription,
    handler: async (ctx) =>
      presentPrescription(await optOutOfReminders(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'GET',
    path: '/patients/:id/prescriptions',
    operationId: 'listPatientPrescriptions',
    summary: "List a patient's prescriptions, newest first (?status= filters)",
    tags: ['prescriptions', 'patients'],
    access: [...READERS],
    params: IdParams,
    query: ListPatientPrescriptionsQuery,
    response: ListOf(Prescription),
    handler: async (ctx) => {
      const page = await listPatientPrescriptions(ctx.state.actor, ctx.state.params.id, ctx.state.query);
      return { items: page.items.map(presentPrescription), nextCursor: page.nextCursor };
    },
  }),
]);
