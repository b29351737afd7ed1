/** The error envelope every 4xx and 5xx answer uses (SPEC "API conventions"). */
import { StrictObject, Type, type Static } from '../lib/schema.js';

export const ErrorEnvelope = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable, machine-readable, snake_case' }),
    message: Type.String({ description: 'For people; never contains internal detail' }),
    details: Type.Optional(
      Type.Array(
        StrictObject({
          path: Type.String({ description: 'JSON pointer into the request (`/query/from`, `/email`)' }),
          message: Type.String({ description: 'What is wrong there and what is allowed' }),
        }),
      ),
    ),
  }),
});
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;
