/** Input shapes of users (TypeBox): the domain owns them; the API validates requests with them. */
import {
  Email,
  MultiLine,
  Name,
  Nullable,
  SingleLine,
  TimeZone,
  PageQueryProps,
  Password,
  Phone,
  StrictObject,
  StringEnum,
  Type,
  type Static,
} from '../../lib/schema.js';
import { STAFF_ROLES } from './create-user.js';
import { USER_STATUSES } from './user-view.js';
import { ADMIN_SUB_ROLES, ROLES } from '../auth/actor.js';

export const Gender = SingleLine(50);
export type Gender = Static<typeof Gender>;
export const Specialization = SingleLine(200);
export type Specialization = Static<typeof Specialization>;
export const UserStatus = StringEnum(USER_STATUSES);

export const ChangeUserStatusInput = StrictObject({
  status: StringEnum(['active', 'suspended', 'removed'] as const),
  reason: Type.Optional(MultiLine(1000)),
});
export type ChangeUserStatusInput = Static<typeof ChangeUserStatusInput>;

export const CreateUserInput = StrictObject({
  name: Name,
  email: Email,
  password: Password,
  role: StringEnum(STAFF_ROLES),
  adminRoles: Type.Optional(Type.Array(StringEnum(ADMIN_SUB_ROLES), { maxItems: 10 })),
  specialization: Type.Optional(Specialization),
  phone: Type.Optional(Phone),
  gender: Type.Optional(Gender),
});
export type CreateUserInput = Static<typeof CreateUserInput>;

export const ListUsersQuery = StrictObject({
  ...PageQueryProps,
  role: Type.Optional(StringEnum(ROLES)),
  status: Type.Optional(UserStatus),
  q: Type.Optional(SingleLine(200)),
});
export type ListUsersQuery = Static<typeof ListUsersQuery>;

export const UpdateMeInput = StrictObject(
  {
    name: Type.Optional(Name),
    phone: Type.Optional(Nullable(Phone)),
    gender: Type.Optional(Nullable(Gender)),
    timeZone: Type.Optional(Type.Unsafe<string>({ ...TimeZone, description: 'Patients only (IANA zone).' })),
  },
  { minProperties: 1 },
);
export type UpdateMeInput = Static<typeof UpdateMeInput>;
