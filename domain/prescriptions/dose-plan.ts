/**
 * Dose arithmetic: turning a medication's local dose times into instants in the patient's zone.
 * Pure functions, so the DST rules are testable without a database.
 */
import { DateTime } from 'luxon';
import { isValidTimeZone } from '../../lib/time-zones.js';

/** A medication as stored: wall-clock `doseTimes` (HH:MM, patient's zone) from `startDate` for `durationDays`. */
export interface MedicationPlan {
  doseTimes: string[];
  /** ISO date (YYYY-MM-DD) of the first day, in the patient's zone. */
  startDate: string;
  durationDays: number;
}

/** One dose of one medication. */
export interface DoseInstant {
  medicationIndex: number;
  doseAt: Date;
}

/** First and last waking-hours dose of an expanded `timesPerDay` schedule. */
const WAKING_START_MIN = 8 * 60;
const WAKING_END_MIN = 20 * 60;

/** The most doses a day `timesPerDay` may ask for; explicit `doseTimes` allow up to 24. */
export const MAX_TIMES_PER_DAY = 12;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Expands "n times a day" into evenly spaced dose times between 08:00 and 20:00, both included
 * (1 → 08:00; 2 → 08:00, 20:00; 3 → 08:00, 14:00, 20:00; 4 → 08:00, 12:00, 16:00, 20:00).
 */
export function expandTimesPerDay(timesPerDay: number): string[] {
  if (!Number.isInteger(timesPerDay) || timesPerDay < 1 || timesPerDay > MAX_TIMES_PER_DAY) {
    throw new RangeError(`timesPerDay must be an integer between 1 and ${MAX_TIMES_PER_DAY}`);
  }
  if (timesPerDay === 1) return ['08:00'];
  const step = (WAKING_END_MIN - WAKING_START_MIN) / (timesPerDay - 1);
  return Array.from({ length: timesPerDay }, (_, i) => {
    const m = Math.round(WAKING_START_MIN + i * step);
    return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
  });
}

/** Sorted, de-duplicated dose times (HH:MM sorts lexically). */
export const normaliseDoseTimes = (times: string[]): string[] => [...new Set(times)].sort();

/**
 * The instant of `date` at `time` in `zone`. A local time that does not exist (the hour skipped
 * when clocks go forward) moves forward by the gap (02:30 → 03:30); a time that occurs twice
 * (clocks go back) is taken at its later, standard-time occurrence. Both are luxon's rules.
 */
export function localInstant(date: string, time: string, zone: string): Date {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!dt.isValid) throw new RangeError(`invalid local time ${date} ${time} in ${zone}`);
  return dt.toJSDate();
}

/** Whether `zone` is an IANA zone luxon knows. */
export const isValidZone = (zone: string): boolean => isValidTimeZone(zone);

/** The local calendar date (YYYY-MM-DD) of `instant` in `zone`. */
export const localDate = (instant: Date, zone: string): string =>
  DateTime.fromJSDate(instant, { zone }).toISODate()!;

/** The instant of the last dose of a medication. */
export function lastDoseOf(med: MedicationPlan, zone: string): Date {
  const lastDay = DateTime.fromISO(med.startDate, { zone: 'UTC' })
    .plus({ days: med.durationDays - 1 })
    .toISODate()!;
  const times = normaliseDoseTimes(med.doseTimes);
  return localInstant(lastDay, times[times.length - 1], zone);
}

/** The instant of the last dose across all medications: when a prescription expires. */
export function lastDoseOfAll(meds: MedicationPlan[], zone: string): Date {
  return new Date(Math.max(...meds.map((m) => lastDoseOf(m, zone).getTime())));
}

/**
 * Every dose of `meds` with `from < doseAt <= to`, computed day by day in the patient's `zone`
 * (so 08:00 stays 08:00 local across a DST change), ordered by time.
 */
export function dosesBetween(meds: MedicationPlan[], zone: string, from: Date, to: Date): DoseInstant[] {
  const out: DoseInstant[] = [];
  // One day of slack on each side covers every zone offset (−12 h … +14 h).
  const firstLocal = DateTime.fromJSDate(from, { zone }).minus({ days: 1 }).toISODate()!;
  const lastLocal = DateTime.fromJSDate(to, { zone }).plus({ days: 1 }).toISODate()!;
  meds.forEach((med, medicationIndex) => {
    const start = DateTime.fromISO(med.startDate, { zone: 'UTC' });
    const end = start.plus({ days: med.durationDays - 1 });
    let day = DateTime.max(start, DateTime.fromISO(firstLocal, { zone: 'UTC' }));
    const stop = DateTime.min(end, DateTime.fromISO(lastLocal, { zone: 'UTC' }));
    const times = normaliseDoseTimes(med.doseTimes);
    while (day <= stop) {
      const date = day.toISODate()!;
      for (const time of times) {
        const doseAt = localInstant(date, time, zone);
        if (doseAt > from && doseAt <= to) out.push({ medicationIndex, doseAt });
      }
      day = day.plus({ days: 1 });
    }
  });
  return out.sort((a, b) => a.doseAt.getTime() - b.doseAt.getTime() || a.medicationIndex - b.medicationIndex);
}
