/**
 * Minutes of visiting hours each doctor offered in a range. For every local date of the doctor's
 * zone that touches the range: that date's override (closed, or its own ranges) or else the weekly
 * ranges of its weekday. Ordinary days count wall-clock minutes; days on which the zone's offset
 * changes (DST) and the two edge days of the range are turned into real instants and clipped, so a
 * 00:00–24:00 range on 25 Oct 2026 in Berlin offers 1500 minutes.
 *
 * Plain arithmetic per doctor-day (the zone database is asked only for edge and DST days): 200
 * doctors over a year is about 73,000 doctor-days, a few milliseconds.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { AvailabilityOverride, WeeklyRange } from '../scheduling/availability.js';

interface AvailabilityRow {
  doctorId: string;
  timeZone: string;
  weekly: WeeklyRange[];
  overrides: AvailabilityOverride[];
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Local dates (`YYYY-MM-DD`) between `from` and `to` (inclusive) on which `zone`'s offset changes. */
function offsetChangeDates(zone: string, first: DateTime, last: DateTime): Set<string> {
  const out = new Set<string>();
  for (let d = first; d <= last; d = d.plus({ days: 1 })) {
    const start = DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone });
    const next = start.plus({ days: 1 });
    if (start.offset !== next.offset || start.hour !== 0) out.add(d.toISODate()!);
  }
  return out;
}

/** Offered minutes per doctor for `[from, to)`; doctors without hours are absent. */
export async function offeredMinutes(
  knex: Knex,
  from: Date,
  to: Date,
  doctorId: string | null,
): Promise<Map<string, number>> {
  const q = knex('doctorAvailability as av')
    .join('doctors as d', 'd.id', 'av.doctorId')
    .select('av.doctorId', 'd.timeZone', 'av.weekly', 'av.overrides');
  if (doctorId) q.where('av.doctorId', doctorId);
  const rows = (await q) as AvailabilityRow[];
  const lo = from.getTime();
  const hi = to.getTime();
  const zones = new Map<string, { first: DateTime; last: DateTime; special: Set<string> }>();
  const result = new Map<string, number>();
  for (const row of rows) {
    let z = zones.get(row.timeZone);
    if (!z) {
      const a = DateTime.fromMillis(lo, { zone: row.timeZone });
      const b = DateTime.fromMillis(hi - 1, { zone: row.timeZone });
      // Dates are walked as plain UTC calendar dates; only edge and DST days meet the zone database.
      const first = DateTime.utc(a.year, a.month, a.day);
      const last = DateTime.utc(b.year, b.month, b.day);
      z = { first, last, special: offsetChangeDates(row.timeZone, first, last) };
      zones.set(row.timeZone, z);
    }
    const weekly = new Map<number, [number, number][]>();
    for (const w of row.weekly)
      weekly.set(w.weekday, [...(weekly.get(w.weekday) ?? []), [minutesOf(w.start), minutesOf(w.end)]]);
    const overrides = new Map(row.overrides.map((o) => [o.date, o]));
    const firstIso = z.first.toISODate();
    const lastIso = z.last.toISODate();
    let total = 0;
    for (let d = z.first; d <= z.last; d = d.plus({ days: 1 })) {
      const iso = d.toISODate()!;
      const o = overrides.get(iso);
      const ranges: [number, number][] = o
        ? o.closed
          ? []
          : (o.ranges ?? []).map((r) => [minutesOf(r.start), minutesOf(r.end)])
        : (weekly.get(d.weekday) ?? []);
      if (!ranges.length) continue;
      if (iso !== firstIso && iso !== lastIso && !z.special.has(iso)) {
        for (const [s, e] of ranges) total += e - s;
        continue;
      }
      for (const [s, e] of ranges) {
        // Wall-clock time `m` minutes after local midnight ("24:00" is the next midnight).
        const at = (m: number) =>
          DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone: row.timeZone })
            .plus({ days: Math.floor(m / 1440) })
            .set({ hour: Math.floor((m % 1440) / 60), minute: m % 60 })
            .toMillis();
        const start = Math.max(at(s), lo);
        const end = Math.min(at(e), hi);
        if (end > start) total += (end - start) / 60_000;
      }
    }
    result.set(row.doctorId, total);
  }
  return result;
}
