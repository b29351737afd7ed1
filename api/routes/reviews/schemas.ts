/** JSON Schemas of the reviews routes. */
import { dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const rating = { type: 'integer', minimum: 1, maximum: 5 } as const;
const comment = { type: ['string', 'null'], maxLength: 2000 } as const;

export const createReviewBody = objectSchema({ rating, comment }, ['rating']);
export const updateReviewBody = objectSchema({ rating, comment }, [], { minProperties: 1 });
export const listReviewsQuery = objectSchema({ ...pageQueryProps });

export const reviewSchema = {
  type: 'object',
  required: ['id', 'appointmentId', 'doctorId', 'rating', 'createdAt', 'updatedAt'],
  properties: {
    id: uuid,
    appointmentId: uuid,
    doctorId: uuid,
    rating,
    comment: { type: 'string' },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const;

/** The `{items, nextCursor}` envelope plus the doctor's current `rating` and `ratingCount`. */
export const reviewListSchema = {
  type: 'object',
  required: ['items', 'nextCursor', 'rating', 'ratingCount'],
  properties: {
    items: { type: 'array', items: reviewSchema },
    nextCursor: { type: ['string', 'null'] },
    rating: { type: ['number', 'null'] },
    ratingCount: { type: 'integer' },
  },
} as const;
