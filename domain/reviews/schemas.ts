/** Input shapes of reviews (TypeBox): the domain owns them; the API validates requests with them. */
import { Nullable, PageQueryProps, StrictObject, Type, type Static } from '../../lib/schema.js';

export const CreateReviewInput = StrictObject({
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});
export type CreateReviewInput = Static<typeof CreateReviewInput>;

export const ListDoctorReviewsQuery = StrictObject({
  ...PageQueryProps,
});
export type ListDoctorReviewsQuery = Static<typeof ListDoctorReviewsQuery>;

export const UpdateReviewInput = StrictObject(
  {
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { minProperties: 1 },
);
export type UpdateReviewInput = Static<typeof UpdateReviewInput>;
