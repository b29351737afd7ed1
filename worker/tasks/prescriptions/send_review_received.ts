import { notifyDoctorOfReview } from '../../../domain/reviews/notify-doctor-of-review.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const SendReviewReceivedPayload = Type.Object({ reviewId: Uuid });
export type SendReviewReceivedPayload = Static<typeof SendReviewReceivedPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_review_received: Static<typeof SendReviewReceivedPayload>;
    }
  }
}

/** Emails (and notifies in-app) the doctor about a new review, once per review; reads the review as it is now. */
export const sendReviewReceivedTask = defineTask(
  'send_review_received',
  SendReviewReceivedPayload,
  async ({ reviewId }) => {
    await notifyDoctorOfReview(reviewId);
  },
);
