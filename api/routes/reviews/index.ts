import { errorSpec } from '../../../lib/errors.js';
import { createReview } from '../../../domain/reviews/create-review.js';
import { listDoctorReviews } from '../../../domain/reviews/list-doctor-reviews.js';
import { updateReview } from '../../../domain/reviews/update-review.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { presentReview } from './present.js';
import { Review, ReviewList } from './schemas.js';
import {
  CreateReviewInput,
  ListDoctorReviewsQuery,
  UpdateReviewInput,
} from '../../../domain/reviews/schemas.js';

/** Reviews (SPEC module 12): one per completed appointment by its patient; doctors' ratings kept exact. */
export const reviewsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/appointments/:id/review',
    errors: [
      errorSpec(409, 'duplicate', 'Such a record already exists'),
      errorSpec(409, 'invalid_state', 'The record is not in a state that allows this'),
    ],
    operationId: 'createReview',
    summary: 'Review a completed appointment (its patient, once)',
    tags: ['reviews', 'appointments'],
    access: ['patient'],
    status: 201,
    params: IdParams,
    body: CreateReviewInput,
    response: Review,
    handler: async (ctx) =>
      presentReview(await createReview(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'PATCH',
    path: '/reviews/:id',
    operationId: 'updateReview',
    summary: 'Edit a review (its author only)',
    tags: ['reviews'],
    access: ['patient'],
    params: IdParams,
    body: UpdateReviewInput,
    response: Review,
    handler: async (ctx) =>
      presentReview(await updateReview(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/doctors/:id/reviews',
    operationId: 'listDoctorReviews',
    summary: "List a doctor's reviews, newest first, with the doctor's rating and ratingCount",
    tags: ['reviews', 'doctors'],
    access: 'authenticated',
    params: IdParams,
    query: ListDoctorReviewsQuery,
    response: ReviewList,
    handler: async (ctx) => {
      const page = await listDoctorReviews(ctx.state.params.id, ctx.state.query);
      return { ...page, items: page.items.map(presentReview) };
    },
  }),
]);
