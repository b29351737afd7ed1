import { DateTime } from 'luxon';
import type { Actor } from '../auth/actor.js';

export const QUEUE_STATUSES = ['WAITING', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/**
 * The legal transitions, keyed by target status: the statuses an entry may be in to move there.
 * `WAITING` is never a target, and `COMPLETED` / `CANCELLED` are final.
 */
export const QUEUE_TRANSITIONS: Record<QueueStatus, readonly QueueStatus[]> = {
  WAITING: [],
  IN_PROGRESS: ['WAITING'],
  COMPLETED: ['IN_PROGRESS'],
  CANCELLED: ['WAITING', 'IN_PROGRESS'],
};

/** The general (no doctor) queue's key in `queue_counters` and `queue_entries.doctor_key`. */
export const GENERAL_QUEUE_KEY = '00000000-0000-0000-0000-000000000000';

/** Columns a queue entry is read with (never the generated `doctor_key`). */
export const QUEUE_COLUMNS = [
  'id',
  'clinicDate',
  'doctorId',
  'number',
  'status',
  'patientId',
  'createdAt',
  'updatedAt',
] as const;

export interface QueueEntryRow {
  id: string;
  clinicDate: string;
  doctorId: string | null;
  number: number;
  status: QueueStatus;
  patientId: string;
  createdAt: Date | string;
  updatedAt: Date | string;
}

/** A queue entry as clients (and the SSE stream) see it: `{id, number, date, status, patientId, doctorId?}`. */
export interface QueueEntryView {
  id: string;
  number: number;
  date: string;
  status: QueueStatus;
  patientId: string;
  doctorId?: string;
  createdAt: string;
  updatedAt: string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** Shapes a row for the wire; `doctorId` is absent for the general queue. */
export function toQueueEntryView(row: QueueEntryRow): QueueEntryView {
  return {
    id: row.id,
    number: row.number,
    date: row.clinicDate,
    status: row.status,
    patientId: row.patientId,
    ...(row.doctorId ? { doctorId: row.doctorId } : {}),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Today's date (`YYYY-MM-DD`) in the clinic's time zone: the day a queue number belongs to. */
export function clinicToday(timeZone: string, now: Date = new Date()): string {
  return DateTime.fromJSDate(now).setZone(timeZone).toISODate()!;
}

/**
 * Whether the actor may see a queue entry: patients their own entries, doctors their own queue and
 * the general queue, nurses, staff and admins every entry. Mirrors {@link applyQueueReadScope}.
 */
export function canSeeQueueEntry(
  actor: Actor,
  entry: Pick<QueueEntryView, 'patientId' | 'doctorId'>,
): boolean {
  if (actor.role === 'patient') return actor.patientId !== undefined && entry.patientId === actor.patientId;
  if (actor.role === 'doctor') return entry.doctorId === undefined || entry.doctorId === actor.userId;
  return true;
}
