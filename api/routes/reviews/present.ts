import type { ReviewRow } from '../../../domain/reviews/review.js';

/** A review as the API returns it: no patient identity; `comment` left out when empty. */
export function presentReview(r: ReviewRow) {
  return {
    id: r.id,
    appointmentId: r.appointmentId,
    doctorId: r.doctorId,
    rating: r.rating,
    ...(r.comment ? { comment: r.comment } : {}),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
