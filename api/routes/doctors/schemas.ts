import type { JsonSchema } from '../../route.js';
import { email, listOf, objectSchema, pageQueryProps, phone, uuid } from '../../schemas.js';

const specialization = { type: 'string', minLength: 1, maxLength: 120 } as const;
const bio = { type: 'string', maxLength: 5000 } as const;
const nullable = (s: Record<string, unknown>) => ({ anyOf: [s, { type: 'null' }] });

const publicProps = {
  id: uuid,
  name: { type: 'string' },
  specialization: { type: ['string', 'null'] },
  bio: { type: ['string', 'null'] },
  feeCents: { type: 'integer', minimum: 0 },
  currency: { type: 'string', pattern: '^[a-z]{3}$' },
  timeZone: { type: 'string' },
  rating: {
    type: ['number', 'null'],
    description: 'Average review rating (1–5), null before the first review',
  },
  ratingCount: { type: 'integer', minimum: 0 },
  avatarUrl: { type: 'string' },
};

/** What anyone may see of a doctor (the directory). */
export const doctorPublicSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'specialization', 'feeCents', 'currency', 'timeZone', 'rating', 'ratingCount'],
  properties: publicProps,
};

/** A doctor's profile with contact details, for signed-in users. */
export const doctorSchema: JsonSchema = {
  type: 'object',
  required: [...(doctorPublicSchema.required as string[])],
  properties: {
    ...publicProps,
    phone: { type: ['string', 'null'] },
    contactEmail: { type: ['string', 'null'] },
    status: { type: 'string', description: 'Account status; only shown to admins and the doctor' },
  },
};

export const listDoctorsQuery = objectSchema({
  specialization: { type: 'string', minLength: 1, maxLength: 120, description: 'Exact, case-insensitive' },
  q: { type: 'string', minLength: 1, maxLength: 200, description: 'Substring of name or specialization' },
  ...pageQueryProps,
});

/** `rating` and `ratingCount` are absent on purpose: additionalProperties:false turns them into 400. */
export const updateDoctorBody = objectSchema(
  {
    specialization: nullable(specialization),
    bio: nullable(bio),
    phone: nullable(phone),
    contactEmail: nullable(email),
    feeCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    currency: { type: 'string', pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code, stored lower-case' },
    timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone' },
  },
  [],
  { minProperties: 1 },
);

export const doctorListSchema = listOf(doctorPublicSchema);
