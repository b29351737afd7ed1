/** Response shapes of the reviews routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, Nullable, Type, Uuid, type Static } from '../../../lib/schema.js';

export const Review = Type.Object({
  id: Uuid,
  appointmentId: Uuid,
  doctorId: Uuid,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type Review = Static<typeof Review>;

export const ReviewList = Type.Object({
  items: Type.Array(Review),
  nextCursor: Nullable(Type.String()),
  rating: Nullable(Type.Number()),
  ratingCount: Type.Integer(),
});
export type ReviewList = Static<typeof ReviewList>;
