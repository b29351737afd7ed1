/** Response shapes of the patients routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import {
  DateOnly,
  DateTime,
  Email,
  ListOf,
  Name,
  Phone,
  Type,
  Uuid,
  type Static,
} from '../../../lib/schema.js';

export const Patient = Type.Object({
  id: Uuid,
  name: Name,
  birthDate: Type.Optional(DateOnly),
  age: Type.Optional(Type.Integer({ description: 'Whole years, derived from birthDate' })),
  gender: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  userId: Type.Optional(Uuid),
  createdAt: DateTime,
});
export type Patient = Static<typeof Patient>;

export const PatientList = ListOf(Patient);
export type PatientList = Static<typeof PatientList>;
