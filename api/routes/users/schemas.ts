import { ADMIN_SUB_ROLES, ROLES } from '../../../domain/auth/actor.js';
import { STAFF_ROLES } from '../../../domain/users/create-user.js';
import { email, name, objectSchema, pageQueryProps, password, phone } from '../../schemas.js';

export const gender = { type: 'string', minLength: 1, maxLength: 50 } as const;
export const specialization = { type: 'string', minLength: 1, maxLength: 200 } as const;
export const userStatus = { type: 'string', enum: ['active', 'pending', 'suspended', 'removed'] } as const;

/** An account as clients see it (GET /users/me adds the role-specific ids). */
export const userSchema = objectSchema(
  {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    status: userStatus,
    emailVerified: { type: 'boolean' },
    adminRoles: { type: 'array', items: { type: 'string', enum: [...ADMIN_SUB_ROLES] } },
    phone: { type: ['string', 'null'] },
    gender: { type: ['string', 'null'] },
    avatarUrl: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    patientId: { type: 'string', format: 'uuid', description: 'Patient users: their patient profile.' },
    doctorId: { type: 'string', format: 'uuid', description: "Doctors: the doctor id (= the user's id)." },
    timeZone: { type: 'string', description: "Patient users: their profile's IANA time zone." },
  },
  ['id', 'name', 'email', 'role', 'status', 'emailVerified'],
);

export const updateMeBody = objectSchema(
  {
    name,
    phone: { anyOf: [phone, { type: 'null' }] },
    gender: { anyOf: [gender, { type: 'null' }] },
    timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'Patients only (IANA zone).' },
  },
  [],
  { minProperties: 1 },
);

export const listUsersQuery = objectSchema({
  ...pageQueryProps,
  role: { type: 'string', enum: [...ROLES] },
  status: userStatus,
  q: { type: 'string', minLength: 1, maxLength: 200 },
});

export const createUserBody = objectSchema(
  {
    name,
    email,
    password,
    role: { type: 'string', enum: [...STAFF_ROLES] },
    adminRoles: { type: 'array', items: { type: 'string', enum: [...ADMIN_SUB_ROLES] }, maxItems: 10 },
    specialization,
    phone,
    gender,
  },
  ['name', 'email', 'password', 'role'],
);

export const changeStatusBody = objectSchema(
  {
    status: { type: 'string', enum: ['active', 'suspended', 'removed'] },
    reason: { type: 'string', minLength: 1, maxLength: 1000 },
  },
  ['status'],
);
