import { errorSpec } from '../../../lib/errors.js';
import type { RequestMeta } from '../../../domain/auth/audit.js';
import { changePassword } from '../../../domain/auth/change-password.js';
import { requestPasswordReset } from '../../../domain/auth/forgot-password.js';
import { login } from '../../../domain/auth/login.js';
import { logout } from '../../../domain/auth/logout.js';
import { accountKey, consumeRateLimit } from '../../../domain/auth/rate-limits.js';
import { registerUser } from '../../../domain/auth/register.js';
import { resetPassword } from '../../../domain/auth/reset-password.js';
import { resendVerification, verifyEmail } from '../../../domain/auth/verify-email.js';
import { services } from '../../../lib/services.js';
import { authIpLimit, registerIpLimit } from '../../middleware/rate-limit.js';
import type { AppContext } from '../../route.js';
import { defineRoutes, route } from '../../route.js';
import { presentUser } from '../users/present.js';
import { User } from '../users/schemas.js';
import { AcceptedResponse, LoginResponse, TokenResponse } from './schemas.js';
import {
  ChangePasswordInput,
  EmailBody,
  LoginInput,
  RegisterInput,
  ResetPasswordInput,
  VerifyEmailInput,
} from '../../../domain/auth/schemas.js';

const meta = (ctx: AppContext): RequestMeta => ({ ip: ctx.ip, requestId: ctx.state.requestId });

/**
 * Emails sent on request (reset codes, verification links) are limited per typed address too, so
 * nobody can flood an inbox; the answer is the same 429 for known and unknown addresses.
 */
const limitEmailsTo = (address: string) =>
  consumeRateLimit(accountKey('email', address), services().config.authRateLimitPerAccount);

const accepted = { message: 'If the address belongs to an account, we have sent it an email.' };

export const authRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/auth/register',
    errors: [errorSpec(409, 'duplicate', 'Such a record already exists')],
    operationId: 'register',
    summary: 'Register a patient (active once the email is verified) or a doctor (pending until approved)',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit, registerIpLimit],
    status: 201,
    body: RegisterInput,
    response: User,
    handler: async (ctx) => presentUser(await registerUser(ctx.state.body, meta(ctx))),
  }),
  route({
    method: 'POST',
    path: '/auth/verify-email',
    operationId: 'verifyEmail',
    summary: 'Confirm an email address with the token from the verification link',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit],
    body: VerifyEmailInput,
    response: User,
    handler: async (ctx) => presentUser(await verifyEmail(ctx.state.body.token, meta(ctx))),
  }),
  route({
    method: 'POST',
    path: '/auth/resend-verification',
    operationId: 'resendVerification',
    summary: 'Send a new verification link (202 whether or not the email has an account)',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit],
    status: 202,
    body: EmailBody,
    response: AcceptedResponse,
    handler: async (ctx) => {
      const { email } = ctx.state.body;
      await limitEmailsTo(email);
      await resendVerification(email);
      return accepted;
    },
  }),
  route({
    method: 'POST',
    path: '/auth/login',
    errors: [
      errorSpec(401, 'invalid_credentials', 'Wrong email or password'),
      errorSpec(403, 'account_pending', 'The account awaits approval'),
      errorSpec(403, 'account_removed', 'The account was removed'),
      errorSpec(403, 'account_suspended', 'The account is suspended'),
      errorSpec(403, 'email_not_verified', 'The email address is not verified yet'),
      errorSpec(429, 'rate_limited', 'Too many failed attempts for this account'),
    ],
    operationId: 'login',
    summary: 'Sign in with email and password → {token, user}',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit],
    body: LoginInput,
    response: LoginResponse,
    handler: async (ctx) => {
      const { token, expiresAt, user } = await login(ctx.state.body, meta(ctx));
      return { token, expiresAt: expiresAt.toISOString(), user: presentUser(user) };
    },
  }),
  route({
    method: 'POST',
    path: '/auth/logout',
    operationId: 'logout',
    summary: 'Revoke the token of this request at once',
    tags: ['auth'],
    access: 'authenticated',
    before: [authIpLimit],
    status: 204,
    handler: async (ctx) => {
      await logout(ctx.state.actor);
    },
  }),
  route({
    method: 'POST',
    path: '/auth/forgot-password',
    operationId: 'forgotPassword',
    summary: 'Email a 6-digit reset code (202 whether or not the email has an account)',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit],
    status: 202,
    body: EmailBody,
    response: AcceptedResponse,
    handler: async (ctx) => {
      const { email } = ctx.state.body;
      await limitEmailsTo(email);
      await requestPasswordReset(email);
      return accepted;
    },
  }),
  route({
    method: 'POST',
    path: '/auth/reset-password',
    errors: [errorSpec(429, 'rate_limited', 'Too many wrong codes for this email')],
    operationId: 'resetPassword',
    summary: 'Set a new password with the emailed code; signs the account out everywhere',
    tags: ['auth'],
    access: 'public',
    before: [authIpLimit],
    body: ResetPasswordInput,
    response: AcceptedResponse,
    handler: async (ctx) => {
      await resetPassword(ctx.state.body, meta(ctx));
      return { message: 'Your password has been reset; sign in with the new password.' };
    },
  }),
  route({
    method: 'POST',
    path: '/auth/change-password',
    errors: [errorSpec(429, 'rate_limited', 'Too many failed attempts for this account')],
    operationId: 'changePassword',
    summary: 'Change own password; revokes every older token and returns a fresh one',
    tags: ['auth'],
    access: 'authenticated',
    before: [authIpLimit],
    body: ChangePasswordInput,
    response: TokenResponse,
    handler: async (ctx) => {
      const { token, expiresAt } = await changePassword(ctx.state.actor, ctx.state.body);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  }),
]);
