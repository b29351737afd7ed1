import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import type { ReviewRow } from './review.js';
import type { UpdateReviewInput } from './schemas.js';

/**
 * Edits a review, by its author only (403 for anyone else; 404 when it does not exist). A changed
 * rating moves the doctor's `rating_sum` by the difference and recomputes the average in the same
 * statement; the review row is locked first, so two concurrent edits apply their deltas in turn.
 */
export function updateReview(actor: Actor, id: string, input: UpdateReviewInput): Promise<ReviewRow> {
  return withTransaction(async (trx) => {
    const review = (await trx('reviews').where({ id }).forUpdate().first()) as ReviewRow | undefined;
    if (!review) throw new NotFoundError('review');
    if (review.authorId !== actor.userId)
      throw new ForbiddenError('forbidden', 'Only the author may edit a review.');
    const patch: Record<string, unknown> = { updatedAt: trx.fn.now() };
    if (input.rating !== undefined) patch.rating = input.rating;
    if (input.comment !== undefined) patch.comment = input.comment?.trim() || null;
    const [updated] = (await trx('reviews').where({ id }).update(patch).returning('*')) as ReviewRow[];
    const delta = updated.rating - review.rating;
    if (delta !== 0) {
      await trx.raw(
        `update doctors set rating_sum = rating_sum + ?,
                rating = round((rating_sum + ?)::numeric / nullif(rating_count, 0), 2), updated_at = now()
          where id = ?`,
        [delta, delta, review.doctorId],
      );
    }
    return updated;
  });
}
