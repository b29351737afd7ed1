/**
 * The building blocks of every shape: TypeBox schemas are plain JSON Schema (2020-12), so one
 * definition gives ajv its validator, `/openapi.json` its component and TypeScript its type
 * (`Static<typeof X>`). Domain input schemas, response schemas and task payloads are made of these.
 */
import { type ObjectOptions, type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';

export { Type, type Static, type TSchema };

/** Years outside this range are typing mistakes (a start date of 9999-12-31), not clinic data. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

/**
 * Error text for a failed `format`, `pattern` or `enum`, read by the validator (`x-message`) so a
 * client learns what is allowed, with an example, instead of "must match format".
 */
const teach = (message: string) => ({ 'x-message': message });

export const Uuid = Type.String({
  format: 'uuid',
  ...teach('must be a UUID like 4f1c2a9e-7b3d-4e8a-9c61-2d5b8f0e3a17'),
});

export const DateTime = Type.String({
  format: 'date-time',
  examples: ['2026-12-01T09:00:00+01:00'],
  ...teach(`must be a date-time with offset like 2026-12-01T09:00:00+01:00 (years ${MIN_YEAR}–${MAX_YEAR})`),
});

export const DateOnly = Type.String({
  format: 'date',
  examples: ['2026-12-01'],
  ...teach(`must be a date like 2026-12-01 (years ${MIN_YEAR}–${MAX_YEAR})`),
});

/** `from`/`to` of a time range: a date-time, or a plain date meaning that whole day in the owner's zone. */
export const DateOrDateTime = Type.String({
  format: 'date-or-date-time',
  examples: ['2026-12-01', '2026-12-01T09:00:00+01:00'],
  ...teach(
    `must be a date-time like 2026-12-01T09:00:00+01:00, or a date like 2026-12-01 (years ${MIN_YEAR}–${MAX_YEAR})`,
  ),
});

export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  ...teach('must be an email address like ana@example.com'),
});

/** Passwords are 8–128 characters; longer than bcrypt's 72 bytes is pre-hashed, never truncated. */
export const Password = Type.String({ minLength: 8, maxLength: 128 });

/** No control characters at all: CR, LF or ESC in a name or a one-line field is an injection, not data. */
export const SINGLE_LINE_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';
/** Newlines and tabs allowed; other control characters are not. */
export const MULTI_LINE_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

/** A one-line text field. */
export const SingleLine = (maxLength: number, minLength = 1) =>
  Type.String({
    minLength,
    maxLength,
    pattern: SINGLE_LINE_PATTERN,
    ...teach('must be one line of text without control characters'),
  });

/** A text that may span lines (notes, messages). */
export const MultiLine = (maxLength: number, minLength = 1) =>
  Type.String({
    minLength,
    maxLength,
    pattern: MULTI_LINE_PATTERN,
    ...teach('must be text without control characters other than newlines and tabs'),
  });

export const Name = SingleLine(200);

export const Phone = Type.String({
  pattern: '^[+0-9 ()./-]{3,32}$',
  ...teach('must be a phone number like +49 30 1234567'),
});

/** ISO 4217 code; stored and answered lower-case (`usd`), accepted in either case. */
export const Currency = Type.String({
  format: 'currency',
  minLength: 3,
  maxLength: 3,
  examples: ['usd', 'eur'],
  ...teach('must be an ISO 4217 currency code like usd or eur'),
});

/** An amount in minor units (cents). */
export const Cents = Type.Integer({ minimum: 0, maximum: 100_000_000_00 });

/** A wall-clock time "HH:MM". */
export const TimeOfDay = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  ...teach('must be a time like 09:30'),
});

/** An IANA time zone (`Europe/Berlin`); matched case-insensitively and stored in canonical case. */
export const TimeZone = Type.String({
  format: 'time-zone',
  minLength: 1,
  maxLength: 64,
  examples: ['Europe/Berlin'],
  ...teach('must be an IANA time zone like Europe/Berlin or UTC'),
});

/** `{type: 'string', enum: [...]}` from one constant, with the literal union as its type. */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  opts: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

/** An object that refuses fields it does not name: what makes mass assignment impossible. */
export const StrictObject = <T extends TProperties>(properties: T, opts: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...opts });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Path parameters `{id}` as a UUID. */
export const IdParams = StrictObject({ id: Uuid });

/** `limit` (1–100, default 20) and an opaque `cursor` for list routes; spread into a query object. */
export const PageQueryProps = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

/** `{items, nextCursor}` list envelope around an item schema. */
export const ListOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

/** `{items}` without paging. */
export const ItemsOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });
