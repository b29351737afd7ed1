/** JSON Schemas of the prescriptions routes. */
import { MAX_TIMES_PER_DAY } from '../../../domain/prescriptions/dose-plan.js';
import { PRESCRIPTION_STATUSES } from '../../../domain/prescriptions/prescription.js';
import { date, dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const hhmm = {
  type: 'string',
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'HH:MM, in the patient’s time zone',
} as const;
const medicationName = { type: 'string', minLength: 1, maxLength: 200 } as const;
const notes = { type: ['string', 'null'], maxLength: 5000 } as const;

/** A medication in a request: `doseTimes` or `timesPerDay` (expanded between 08:00 and 20:00), not both. */
export const medicationInputSchema = objectSchema(
  {
    name: medicationName,
    dosage: { type: 'string', minLength: 1, maxLength: 200 },
    doseTimes: { type: 'array', items: hhmm, minItems: 1, maxItems: 24, uniqueItems: true },
    timesPerDay: { type: 'integer', minimum: 1, maximum: MAX_TIMES_PER_DAY },
    startDate: date,
    durationDays: { type: 'integer', minimum: 1, maximum: 366 },
    instructions: { type: ['string', 'null'], maxLength: 2000 },
  },
  ['name', 'dosage', 'startDate', 'durationDays'],
  { oneOf: [{ required: ['doseTimes'] }, { required: ['timesPerDay'] }] },
);

const medications = { type: 'array', items: medicationInputSchema, minItems: 1, maxItems: 20 } as const;

export const createPrescriptionBody = objectSchema({ appointmentId: uuid, notes, medications }, [
  'appointmentId',
  'medications',
]);

export const updatePrescriptionBody = objectSchema(
  { notes, medications, remindersEnabled: { type: 'boolean' } },
  [],
  { minProperties: 1 },
);

export const listPrescriptionsQuery = objectSchema({
  ...pageQueryProps,
  status: { enum: [...PRESCRIPTION_STATUSES] },
});

export const medicationSchema = {
  type: 'object',
  required: ['name', 'dosage', 'doseTimes', 'startDate', 'durationDays'],
  properties: {
    name: medicationName,
    dosage: { type: 'string' },
    doseTimes: { type: 'array', items: hhmm },
    startDate: date,
    durationDays: { type: 'integer' },
    instructions: { type: 'string' },
  },
} as const;

export const prescriptionSchema = {
  type: 'object',
  required: [
    'id',
    'appointmentId',
    'patientId',
    'doctorId',
    'status',
    'remindersEnabled',
    'medications',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: uuid,
    appointmentId: uuid,
    patientId: uuid,
    doctorId: uuid,
    status: { enum: [...PRESCRIPTION_STATUSES] },
    notes: { type: 'string' },
    remindersEnabled: { type: 'boolean' },
    medications: { type: 'array', items: medicationSchema },
    lastDoseAt: dateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
    dispensed: {
      type: 'array',
      description: 'What was dispensed from inventory against this prescription (detail only).',
      items: {
        type: 'object',
        required: [
          'movementId',
          'itemId',
          'itemName',
          'unit',
          'quantity',
          'lots',
          'dispensedAt',
          'dispensedBy',
        ],
        properties: {
          movementId: uuid,
          itemId: uuid,
          itemName: { type: 'string' },
          unit: { type: 'string' },
          quantity: { type: 'integer', minimum: 1 },
          lots: {
            type: 'array',
            items: {
              type: 'object',
              required: ['lot', 'quantity'],
              properties: { lot: { type: 'string' }, quantity: { type: 'integer' } },
            },
          },
          dispensedAt: dateTime,
          dispensedBy: { type: ['string', 'null'], format: 'uuid' },
        },
      },
    },
  },
} as const;
