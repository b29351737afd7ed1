import { createReview, type CreateReviewInput } from '../../../domain/reviews/create-review.js';
import { listDoctorReviews, type ListReviewsQuery } from '../../../domain/reviews/list-doctor-reviews.js';
import { updateReview, type UpdateReviewInput } from '../../../domain/reviews/update-review.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import { presentReview } from './present.js';
import {
  createReviewBody,
  listReviewsQuery,
  reviewListSchema,
  reviewSchema,
  updateReviewBody,
} from './schemas.js';

/** Reviews (SPEC module 12): one per completed appointment by its patient; doctors' ratings kept exact. */
export const reviewsRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/appointments/:id/review',
    operationId: 'createReview',
    summary: 'Review a completed appointment (its patient, once)',
    tags: ['reviews', 'appointments'],
    access: ['patient'],
    status: 201,
    params: idParams,
    body: createReviewBody,
    response: reviewSchema,
    handler: async (ctx) =>
      presentReview(
        await createReview(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as CreateReviewInput,
        ),
      ),
  },
  {
    method: 'PATCH',
    path: '/reviews/:id',
    operationId: 'updateReview',
    summary: 'Edit a review (its author only)',
    tags: ['reviews'],
    access: ['patient'],
    params: idParams,
    body: updateReviewBody,
    response: reviewSchema,
    handler: async (ctx) =>
      presentReview(
        await updateReview(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as UpdateReviewInput,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/doctors/:id/reviews',
    operationId: 'listDoctorReviews',
    summary: "List a doctor's reviews, newest first, with the doctor's rating and ratingCount",
    tags: ['reviews', 'doctors'],
    access: 'authenticated',
    params: idParams,
    query: listReviewsQuery,
    response: reviewListSchema,
    handler: async (ctx) => {
      const page = await listDoctorReviews(
        ctx.state.params.id as string,
        ctx.state.query as unknown as ListReviewsQuery,
      );
      return { ...page, items: page.items.map(presentReview) };
    },
  },
]);
