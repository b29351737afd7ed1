/** Response shapes of the doctors routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { ListOf, Nullable, Type, Uuid, type Static } from '../../../lib/schema.js';

export const DoctorPublic = Type.Object({
  id: Uuid,
  name: Type.String(),
  specialization: Nullable(Type.String()),
  bio: Type.Optional(Nullable(Type.String())),
  feeCents: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[a-z]{3}$' }),
  timeZone: Type.String(),
  rating: Nullable(Type.Number({ description: 'Average review rating (1–5), null before the first review' })),
  ratingCount: Type.Integer({ minimum: 0 }),
  avatarUrl: Type.Optional(Type.String()),
});
export type DoctorPublic = Static<typeof DoctorPublic>;

export const DoctorList = ListOf(DoctorPublic);
export type DoctorList = Static<typeof DoctorList>;

/** A doctor as the doctor themself and admins see them: the public profile plus contact and status. */
export const Doctor = Type.Composite([
  DoctorPublic,
  Type.Object({
    phone: Type.Optional(Nullable(Type.String())),
    contactEmail: Type.Optional(Nullable(Type.String())),
    status: Type.Optional(
      Type.String({ description: 'Account status; only shown to admins and the doctor' }),
    ),
  }),
]);
export type Doctor = Static<typeof Doctor>;
