import { db } from '../../db/knex.js';
import { deliverEmail } from '../email/deliver.js';
import { notifyUser } from '../notifications/notify-user.js';

/**
 * Tells a doctor about a new review: an in-app notification and a `review_received` email, each
 * once per review (dedupe key and email ledger `review_received:<reviewId>`). Reads the review as
 * it is now, so an edit made before the job ran is what the doctor sees; a no-op if it is gone.
 */
export async function notifyDoctorOfReview(reviewId: string): Promise<void> {
  const row = (await db()('reviews as r')
    .join('users as d', 'd.id', 'r.doctorId')
    .join('patients as p', 'p.id', 'r.patientId')
    .where('r.id', reviewId)
    .select(
      'r.id',
      'r.rating',
      'r.comment',
      'r.appointmentId',
      'r.doctorId',
      'd.name as doctorName',
      'd.email as doctorEmail',
      'd.status as doctorStatus',
      'p.name as patientName',
    )
    .first()) as
    | {
        id: string;
        rating: number;
        comment: string | null;
        appointmentId: string;
        doctorId: string;
        doctorName: string;
        doctorEmail: string;
        doctorStatus: string;
        patientName: string;
      }
    | undefined;
  if (!row || row.doctorStatus !== 'active') return;
  const key = `review_received:${row.id}`;
  await notifyUser(db(), {
    userId: row.doctorId,
    type: 'review',
    title: `New review: ${row.rating}/5`,
    body: row.comment ? row.comment.slice(0, 200) : null,
    data: { reviewId: row.id, appointmentId: row.appointmentId },
    dedupeKey: key,
  });
  await deliverEmail({
    ledgerKey: key,
    template: 'review_received',
    to: row.doctorEmail,
    vars: {
      recipientName: row.doctorName,
      rating: row.rating,
      comment: row.comment ?? undefined,
      patientName: row.patientName,
    },
  });
}
