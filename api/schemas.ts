/** Reusable JSON Schema pieces (2020-12) for route tables. */
import type { JsonSchema } from './route.js';

export const uuid = { type: 'string', format: 'uuid' } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const date = { type: 'string', format: 'date' } as const;
export const email = { type: 'string', format: 'email', maxLength: 254 } as const;
/** Passwords are 8–128 characters; longer than bcrypt's 72 bytes is pre-hashed, never truncated. */
export const password = { type: 'string', minLength: 8, maxLength: 128 } as const;
export const name = { type: 'string', minLength: 1, maxLength: 200 } as const;
export const phone = { type: 'string', pattern: '^[+0-9 ()./-]{3,32}$' } as const;

/** Path parameters `{id}` as a UUID. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: uuid },
  additionalProperties: false,
} as const;

/** `limit` (1–100, default 20) and an opaque `cursor` for list routes; spread into a query schema. */
export const pageQueryProps = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  cursor: { type: 'string', maxLength: 500 },
} as const;

export const objectSchema = (
  properties: Record<string, unknown>,
  required: string[] = [],
  extra: Record<string, unknown> = {},
): JsonSchema => ({ type: 'object', properties, required, additionalProperties: false, ...extra });

/** `{items, nextCursor}` list envelope around an item schema. */
export const listOf = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
});

export const errorEnvelope: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};
