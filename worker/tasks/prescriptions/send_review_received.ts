import { notifyDoctorOfReview } from '../../../domain/reviews/notify-doctor-of-review.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    send_review_received: { reviewId: string };
  }
}

/** Emails (and notifies in-app) the doctor about a new review, once per review; reads the review as it is now. */
export const sendReviewReceivedTask = defineTask(
  'send_review_received',
  {
    type: 'object',
    required: ['reviewId'],
    properties: { reviewId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ reviewId }) => {
    await notifyDoctorOfReview(reviewId);
  },
);
