/** Response shapes of the users routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { Nullable, StrictObject, StringEnum, Type, type Static } from '../../../lib/schema.js';
import { ADMIN_SUB_ROLES, ROLES } from '../../../domain/auth/actor.js';
import { UserStatus } from '../../../domain/users/schemas.js';

export const User = StrictObject({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  email: Type.String(),
  role: StringEnum(ROLES),
  status: UserStatus,
  emailVerified: Type.Boolean(),
  adminRoles: Type.Optional(Type.Array(StringEnum(ADMIN_SUB_ROLES))),
  phone: Type.Optional(Nullable(Type.String())),
  gender: Type.Optional(Nullable(Type.String())),
  avatarUrl: Type.Optional(Nullable(Type.String())),
  createdAt: Type.Optional(Type.String({ format: 'date-time' })),
  patientId: Type.Optional(
    Type.String({ format: 'uuid', description: 'Patient users: their patient profile.' }),
  ),
  doctorId: Type.Optional(
    Type.String({ format: 'uuid', description: "Doctors: the doctor id (= the user's id)." }),
  ),
  timeZone: Type.Optional(Type.String({ description: "Patient users: their profile's IANA time zone." })),
});
export type User = Static<typeof User>;
