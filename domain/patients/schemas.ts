/** Input shapes of patients (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOnly,
  Email,
  Name,
  Nullable,
  SingleLine,
  TimeZone,
  PageQueryProps,
  Phone,
  StrictObject,
  Type,
  type Static,
} from '../../lib/schema.js';

export const CreatePatientInput = StrictObject({
  name: Name,
  birthDate: Type.Optional(DateOnly),
  age: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 150,
      description: 'Alternative to birthDate: stored as an estimated birth date',
    }),
  ),
  gender: Type.Optional(SingleLine(40)),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  address: Type.Optional(SingleLine(500)),
  timeZone: Type.Optional(TimeZone),
});
export type CreatePatientInput = Static<typeof CreatePatientInput>;

export const ListPatientsQuery = StrictObject({
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Name substring or phone digits' }),
  ),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  ...PageQueryProps,
});
export type ListPatientsQuery = Static<typeof ListPatientsQuery>;

export const UpdatePatientInput = StrictObject(
  {
    name: Type.Optional(Name),
    birthDate: Type.Optional(Nullable(DateOnly)),
    gender: Type.Optional(Nullable(SingleLine(40))),
    phone: Type.Optional(Nullable(Phone)),
    email: Type.Optional(Nullable(Email)),
    address: Type.Optional(Nullable(SingleLine(500))),
    timeZone: Type.Optional(TimeZone),
  },
  { minProperties: 1 },
);
export type UpdatePatientInput = Static<typeof UpdatePatientInput>;
