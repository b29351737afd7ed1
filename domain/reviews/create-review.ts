import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import type { ReviewRow } from './review.js';

export interface CreateReviewInput {
  rating: number;
  comment?: string | null;
}

/**
 * Reviews a completed appointment, by its patient, once (the unique constraint answers a second
 * review, even a concurrent one, with 409 `duplicate`). The doctor's `rating_sum`, `rating_count`
 * and `rating` move in the same transaction by one single-statement increment, so concurrent
 * reviews of the same doctor keep the average exact. The doctor is told by a queued job.
 * 404 when the appointment is not the patient's; 409 `invalid_state` unless it is completed.
 */
export function createReview(
  actor: Actor,
  appointmentId: string,
  input: CreateReviewInput,
): Promise<ReviewRow> {
  return withTransaction(async (trx) => {
    const appt = (await trx('appointments')
      .where({ id: appointmentId, patientId: actor.patientId ?? null })
      .forShare()
      .first()) as { id: string; doctorId: string; patientId: string; status: string } | undefined;
    if (!appt) throw new NotFoundError('appointment');
    if (appt.status !== 'completed') {
      throw new ConflictError(
        'invalid_state',
        `Only completed appointments can be reviewed; this one is ${appt.status}.`,
      );
    }
    const [review] = (await trx('reviews')
      .insert({
        appointmentId: appt.id,
        doctorId: appt.doctorId,
        patientId: appt.patientId,
        authorId: actor.userId,
        rating: input.rating,
        comment: input.comment?.trim() || null,
      })
      .returning('*')) as ReviewRow[];
    await trx.raw(
      `update doctors set rating_sum = rating_sum + ?, rating_count = rating_count + 1,
              rating = round((rating_sum + ?)::numeric / (rating_count + 1), 2), updated_at = now()
        where id = ?`,
      [review.rating, review.rating, review.doctorId],
    );
    await addJob(
      trx,
      'send_review_received',
      { reviewId: review.id },
      { jobKey: `send_review_received:${review.id}` },
    );
    return review;
  });
}
