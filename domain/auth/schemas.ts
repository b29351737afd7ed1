/** Input shapes of auth (TypeBox): the domain owns them; the API validates requests with them. */
import {
  Email,
  Name,
  Password,
  Phone,
  StrictObject,
  StringEnum,
  Type,
  type Static,
} from '../../lib/schema.js';
import { APPOINTMENT_EMAIL_RECIPIENTS } from '../appointments/appointment-jobs.js';
import { Gender, Specialization } from '../users/schemas.js';

export const ChangePasswordInput = StrictObject({
  oldPassword: Type.String({ minLength: 1, maxLength: 128 }),
  newPassword: Password,
});
export type ChangePasswordInput = Static<typeof ChangePasswordInput>;

export const EmailBody = StrictObject({
  email: Email,
});
export type EmailBody = Static<typeof EmailBody>;

export const LoginInput = StrictObject({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 128 }),
});
export type LoginInput = Static<typeof LoginInput>;

export const RegisterInput = StrictObject({
  name: Name,
  email: Email,
  password: Password,
  role: Type.Optional(StringEnum(APPOINTMENT_EMAIL_RECIPIENTS, { default: 'patient' })),
  specialization: Type.Optional(Specialization),
  phone: Type.Optional(Phone),
  gender: Type.Optional(Gender),
});
export type RegisterInput = Static<typeof RegisterInput>;

export const ResetPasswordInput = StrictObject({
  email: Email,
  otp: Type.String({ pattern: '^[0-9]{6}$' }),
  newPassword: Password,
});
export type ResetPasswordInput = Static<typeof ResetPasswordInput>;

export const VerifyEmailInput = StrictObject({
  token: Type.String({ minLength: 1, maxLength: 200 }),
});
export type VerifyEmailInput = Static<typeof VerifyEmailInput>;
