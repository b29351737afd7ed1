/** A reviews row as Knex returns it (camelCase). */
export interface ReviewRow {
  id: string;
  appointmentId: string;
  doctorId: string;
  patientId: string;
  authorId: string;
  rating: number;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The rating summary a doctor carries: average to two decimals (null before the first review) and count. */
export interface DoctorRating {
  rating: number | null;
  ratingCount: number;
}

/** Converts `doctors.rating` (numeric, read as a string) into a number. */
export const toDoctorRating = (row: {
  rating: string | number | null;
  ratingCount: number;
}): DoctorRating => ({
  rating: row.rating === null ? null : Number(row.rating),
  ratingCount: row.ratingCount,
});
