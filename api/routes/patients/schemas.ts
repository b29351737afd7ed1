import type { JsonSchema } from '../../route.js';
import {
  date,
  dateTime,
  email,
  listOf,
  name,
  objectSchema,
  pageQueryProps,
  phone,
  uuid,
} from '../../schemas.js';

const gender = { type: 'string', minLength: 1, maxLength: 40 } as const;
const address = { type: 'string', minLength: 1, maxLength: 500 } as const;
const timeZone = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Europe/Berlin',
} as const;
const nullable = (s: Record<string, unknown>) => ({ anyOf: [s, { type: 'null' }] });

export const patientSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'timeZone'],
  properties: {
    id: uuid,
    name,
    birthDate: date,
    age: { type: 'integer', description: 'Whole years, derived from birthDate' },
    gender,
    phone,
    email,
    address,
    timeZone,
    userId: uuid,
    createdAt: dateTime,
  },
};

export const createPatientBody = objectSchema(
  {
    name,
    birthDate: date,
    age: {
      type: 'integer',
      minimum: 0,
      maximum: 150,
      description: 'Alternative to birthDate: stored as an estimated birth date',
    },
    gender,
    phone,
    email,
    address,
    timeZone,
  },
  ['name'],
);

export const updatePatientBody = objectSchema(
  {
    name,
    birthDate: nullable(date),
    gender: nullable(gender),
    phone: nullable(phone),
    email: nullable(email),
    address: nullable(address),
    timeZone,
  },
  [],
  { minProperties: 1 },
);

export const listPatientsQuery = objectSchema({
  q: { type: 'string', minLength: 1, maxLength: 200, description: 'Name substring or phone digits' },
  name: { type: 'string', minLength: 1, maxLength: 200 },
  phone: { type: 'string', minLength: 1, maxLength: 32 },
  ...pageQueryProps,
});

export const patientListSchema = listOf(patientSchema);
