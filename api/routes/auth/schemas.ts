/** Response shapes of the auth routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { StrictObject, Type, type Static } from '../../../lib/schema.js';
import { User } from '../users/schemas.js';

export const AcceptedResponse = StrictObject({
  message: Type.String(),
});
export type AcceptedResponse = Static<typeof AcceptedResponse>;

export const LoginResponse = StrictObject({
  token: Type.String(),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  user: User,
});
export type LoginResponse = Static<typeof LoginResponse>;

export const TokenResponse = StrictObject({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type TokenResponse = Static<typeof TokenResponse>;
