/** Input shapes of doctors (TypeBox): the domain owns them; the API validates requests with them. */
import {
  Currency,
  Email,
  MultiLine,
  Nullable,
  PageQueryProps,
  Phone,
  SingleLine,
  StrictObject,
  TimeZone,
  Type,
  type Static,
} from '../../lib/schema.js';

export const ListDoctorsQuery = StrictObject({
  specialization: Type.Optional(
    Type.String({ minLength: 1, maxLength: 120, description: 'Exact, case-insensitive' }),
  ),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Substring of name or specialization' }),
  ),
  ...PageQueryProps,
});
export type ListDoctorsQuery = Static<typeof ListDoctorsQuery>;

export const UpdateDoctorInput = StrictObject(
  {
    specialization: Type.Optional(Nullable(SingleLine(120))),
    bio: Type.Optional(Nullable(MultiLine(5000, 0))),
    phone: Type.Optional(Nullable(Phone)),
    contactEmail: Type.Optional(Nullable(Email)),
    feeCents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000000 })),
    currency: Type.Optional(Currency),
    timeZone: Type.Optional(TimeZone),
  },
  { minProperties: 1 },
);
export type UpdateDoctorInput = Static<typeof UpdateDoctorInput>;
