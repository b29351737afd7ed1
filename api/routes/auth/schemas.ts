import { email, name, objectSchema, password, phone } from '../../schemas.js';
import { gender, specialization, userSchema } from '../users/schemas.js';

export const registerBody = objectSchema(
  {
    name,
    email,
    password,
    role: { type: 'string', enum: ['patient', 'doctor'], default: 'patient' },
    specialization,
    phone,
    gender,
  },
  ['name', 'email', 'password'],
);

export const loginBody = objectSchema({ email, password: { type: 'string', minLength: 1, maxLength: 128 } }, [
  'email',
  'password',
]);

export const loginResponse = objectSchema(
  { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, user: userSchema },
  ['token', 'user'],
);

export const tokenBody = objectSchema({ token: { type: 'string', minLength: 1, maxLength: 200 } }, ['token']);

export const emailBody = objectSchema({ email }, ['email']);

export const resetPasswordBody = objectSchema(
  { email, otp: { type: 'string', pattern: '^[0-9]{6}$' }, newPassword: password },
  ['email', 'otp', 'newPassword'],
);

export const changePasswordBody = objectSchema(
  { oldPassword: { type: 'string', minLength: 1, maxLength: 128 }, newPassword: password },
  ['oldPassword', 'newPassword'],
);

export const acceptedResponse = objectSchema({ message: { type: 'string' } }, ['message']);

export const tokenResponse = objectSchema(
  { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
  ['token', 'expiresAt'],
);
