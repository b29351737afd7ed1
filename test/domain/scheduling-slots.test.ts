import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  type Availability,
  DEFAULT_AVAILABILITY,
  validateAvailability,
} from '../../domain/scheduling/availability.js';
import {
  type BusyInterval,
  computeFreeSlots,
  isBookableSlot,
  MAX_SLOT_RANGE_DAYS,
  slotEnd,
  zoneClock,
} from '../../domain/scheduling/slots.js';

const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end }));

function berlin(overrides: Partial<Availability> = {}): Availability {
  return {
    ...DEFAULT_AVAILABILITY('Europe/Berlin'),
    horizonDays: 365,
    weekly: weekdays('09:00', '17:00'),
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);
const iso = (slots: { startsAt: Date }[]) => slots.map((s) => s.startsAt.toISOString());
// Far enough before the dates under test that notice and horizon do not interfere.
const NOW = at('2026-10-01T00:00:00Z');

function day(availability: Availability, from: string, to: string, busy: BusyInterval[] = [], now = NOW) {
  return computeFreeSlots({ availability, from: at(from), to: at(to), now, busy });
}

describe('domain/scheduling slots', () => {
  describe('weekly hours across the DST change (Europe/Berlin, ends 2026-10-25)', () => {
    it('starts at 09:00 local: 07:00Z in summer time, 08:00Z in winter time', () => {
      const friday = day(berlin(), '2026-10-23T00:00:00Z', '2026-10-24T00:00:00Z');
      const monday = day(berlin(), '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z');
      expect(friday[0].startsAt.toISOString()).to.equal('2026-10-23T07:00:00.000Z');
      expect(monday[0].startsAt.toISOString()).to.equal('2026-10-26T08:00:00.000Z');
      expect(friday.at(-1)!.endsAt.toISOString()).to.equal('2026-10-23T15:00:00.000Z');
      expect(monday.at(-1)!.endsAt.toISOString()).to.equal('2026-10-26T16:00:00.000Z');
    });

    it('offers 16 slots of 30 minutes per working day and none at the weekend', () => {
      const slots = day(berlin(), '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z');
      expect(slots).to.have.length(32);
      for (const s of slots) expect(s.endsAt.getTime() - s.startsAt.getTime()).to.equal(30 * 60_000);
      const byDate = new Set(slots.map((s) => s.startsAt.toISOString().slice(0, 10)));
      expect([...byDate]).to.deep.equal(['2026-10-23', '2026-10-26']);
    });

    it('returns slots sorted and unique, even for a window spanning many days', () => {
      const slots = day(berlin(), '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
      const times = slots.map((s) => s.startsAt.getTime());
      expect(times).to.deep.equal([...new Set(times)].sort((x, y) => x - y));
      expect(slots).to.have.length(21 * 16);
    });

    it('only lists slots starting in [from, to)', () => {
      const slots = day(berlin(), '2026-10-23T07:30:00Z', '2026-10-23T08:30:00Z');
      expect(iso(slots)).to.deep.equal(['2026-10-23T07:30:00.000Z', '2026-10-23T08:00:00.000Z']);
      expect(day(berlin(), '2026-10-23T08:00:00Z', '2026-10-23T07:00:00Z')).to.deep.equal([]);
    });
  });

  describe('slot rules', () => {
    it('steps by slot plus buffer: 09:00, 09:40, 10:20, …', () => {
      const slots = day(berlin({ bufferMinutes: 10 }), '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z');
      expect(iso(slots).slice(0, 3)).to.deep.equal([
        '2026-10-26T08:00:00.000Z',
        '2026-10-26T08:40:00.000Z',
        '2026-10-26T09:20:00.000Z',
      ]);
      // 09:00 + 12 × 40 min = 17:00, so the last start is 16:20 (ends 16:50).
      expect(slots).to.have.length(12);
      expect(slots.at(-1)!.startsAt.toISOString()).to.equal('2026-10-26T15:20:00.000Z');
    });

    it('drops slots earlier than now + minimum notice', () => {
      const now = at('2026-10-26T08:05:00Z'); // 09:05 local
      const slots = day(
        berlin({ minNoticeMinutes: 60 }),
        '2026-10-26T00:00:00Z',
        '2026-10-27T00:00:00Z',
        [],
        now,
      );
      expect(slots[0].startsAt.toISOString()).to.equal('2026-10-26T09:30:00.000Z'); // 10:30 local
      expect(slots).to.have.length(13);
    });

    it('drops slots at or beyond now + horizon', () => {
      const now = at('2026-10-26T06:00:00Z');
      const slots = day(berlin({ horizonDays: 1 }), '2026-10-26T00:00:00Z', '2026-10-31T00:00:00Z', [], now);
      expect(new Set(slots.map((s) => s.startsAt.toISOString().slice(0, 10)))).to.deep.equal(
        new Set(['2026-10-26']),
      );
    });

    it('computes the end of a slot from its start', () => {
      expect(slotEnd(berlin({ slotMinutes: 45 }), at('2026-10-26T08:00:00Z')).toISOString()).to.equal(
        '2026-10-26T08:45:00.000Z',
      );
    });

    it('exports the widest listing window', () => {
      expect(MAX_SLOT_RANGE_DAYS).to.equal(31);
    });
  });

  describe('overrides', () => {
    it('closes a day entirely', () => {
      const a = berlin({ overrides: [{ date: '2026-10-26', closed: true }] });
      expect(day(a, '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z')).to.deep.equal([]);
      expect(day(a, '2026-10-27T00:00:00Z', '2026-10-28T00:00:00Z')).to.have.length(16);
    });

    it('replaces the weekly hours with other hours, also on a weekend', () => {
      const a = berlin({
        overrides: [
          { date: '2026-10-26', ranges: [{ start: '13:00', end: '14:00' }] },
          { date: '2026-10-25', ranges: [{ start: '10:00', end: '11:00' }] },
        ],
      });
      expect(iso(day(a, '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z'))).to.deep.equal([
        '2026-10-26T12:00:00.000Z',
        '2026-10-26T12:30:00.000Z',
      ]);
      // Sunday 2026-10-25 is already winter time.
      expect(iso(day(a, '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z'))).to.deep.equal([
        '2026-10-25T09:00:00.000Z',
        '2026-10-25T09:30:00.000Z',
      ]);
    });

    it('matches override dates by the local date, not the UTC date', () => {
      // 00:30 local on 2026-10-27 is still 2026-10-26 in UTC.
      const a = berlin({
        weekly: [],
        overrides: [{ date: '2026-10-27', ranges: [{ start: '00:30', end: '01:00' }] }],
      });
      expect(iso(day(a, '2026-10-26T00:00:00Z', '2026-10-28T00:00:00Z'))).to.deep.equal([
        '2026-10-26T23:30:00.000Z',
      ]);
    });
  });

  describe('busy intervals', () => {
    const monday = (a: Availability, busy: BusyInterval[]) =>
      day(a, '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z', busy);

    it('removes the slots an appointment overlaps', () => {
      // 10:15–10:45 local overlaps the 10:00 and the 10:30 slots.
      const busy = [{ startsAt: at('2026-10-26T09:15:00Z'), endsAt: at('2026-10-26T09:45:00Z') }];
      const slots = iso(monday(berlin(), busy));
      expect(slots).to.have.length(14);
      expect(slots).not.to.include('2026-10-26T09:00:00.000Z');
      expect(slots).not.to.include('2026-10-26T09:30:00.000Z');
      expect(slots).to.include('2026-10-26T08:30:00.000Z');
      expect(slots).to.include('2026-10-26T10:00:00.000Z');
    });

    it('keeps slots that only touch an appointment', () => {
      const busy = [{ startsAt: at('2026-10-26T09:00:00Z'), endsAt: at('2026-10-26T09:30:00Z') }];
      const slots = iso(monday(berlin(), busy));
      expect(slots).to.have.length(15);
      expect(slots).to.include('2026-10-26T08:30:00.000Z');
      expect(slots).to.include('2026-10-26T09:30:00.000Z');
    });

    it('removes slots whose buffer reaches into an appointment', () => {
      // Grid 09:00, 09:40, 10:20, 11:00 local; an appointment 10:00–10:15 local is within 10 min of
      // the 09:40 slot's end (10:10) and of the 10:20 slot's start (10:10).
      const busy = [{ startsAt: at('2026-10-26T09:00:00Z'), endsAt: at('2026-10-26T09:15:00Z') }];
      const slots = iso(monday(berlin({ bufferMinutes: 10 }), busy));
      expect(slots.slice(0, 2)).to.deep.equal(['2026-10-26T08:00:00.000Z', '2026-10-26T10:00:00.000Z']);
    });

    it('does not let a booked grid slot block its neighbours', () => {
      const busy = [{ startsAt: at('2026-10-26T08:40:00Z'), endsAt: at('2026-10-26T09:10:00Z') }];
      const slots = iso(monday(berlin({ bufferMinutes: 10 }), busy));
      expect(slots.slice(0, 2)).to.deep.equal(['2026-10-26T08:00:00.000Z', '2026-10-26T09:20:00.000Z']);
    });
  });

  describe('spring-forward (America/New_York, 2027-03-14)', () => {
    const ny = (overrides: Partial<Availability> = {}): Availability => ({
      ...DEFAULT_AVAILABILITY('America/New_York'),
      weekly: [{ weekday: 7, start: '01:00', end: '04:00' }],
      ...overrides,
    });
    const now = at('2027-03-01T00:00:00Z');

    it('skips the wall-clock times that do not exist', () => {
      const slots = computeFreeSlots({
        availability: ny(),
        from: at('2027-03-14T00:00:00Z'),
        to: at('2027-03-15T00:00:00Z'),
        now,
        busy: [],
      });
      // 01:00 and 01:30 EST (UTC−5), then 03:00 and 03:30 EDT (UTC−4); 02:00 and 02:30 do not exist.
      expect(iso(slots)).to.deep.equal([
        '2027-03-14T06:00:00.000Z',
        '2027-03-14T06:30:00.000Z',
        '2027-03-14T07:00:00.000Z',
        '2027-03-14T07:30:00.000Z',
      ]);
    });

    it('drops a slot that would overlap the previous one across the gap', () => {
      // 01:30 EST + 90 min ends at 04:00 EDT, after the 03:00 EDT grid slot has begun.
      const slots = computeFreeSlots({
        availability: ny({ slotMinutes: 90, weekly: [{ weekday: 7, start: '01:30', end: '06:00' }] }),
        from: at('2027-03-14T00:00:00Z'),
        to: at('2027-03-15T00:00:00Z'),
        now,
        busy: [],
      });
      expect(iso(slots)).to.deep.equal(['2027-03-14T06:30:00.000Z', '2027-03-14T08:30:00.000Z']);
    });
  });

  describe('fall-back (America/New_York, 2026-11-01)', () => {
    it('uses an ambiguous wall-clock time once and never offers overlapping slots', () => {
      const slots = computeFreeSlots({
        availability: {
          ...DEFAULT_AVAILABILITY('America/New_York'),
          weekly: [{ weekday: 7, start: '00:00', end: '03:00' }],
        },
        from: at('2026-11-01T00:00:00Z'),
        to: at('2026-11-02T00:00:00Z'),
        now: at('2026-10-20T00:00:00Z'),
        busy: [],
      });
      expect(slots).to.have.length(6);
      for (let i = 1; i < slots.length; i++) {
        expect(slots[i].startsAt.getTime()).to.be.at.least(slots[i - 1].endsAt.getTime());
      }
    });
  });

  describe('isBookableSlot', () => {
    const a = berlin();
    const args = (startsAt: string, busy: BusyInterval[] = []) => ({
      availability: a,
      startsAt: at(startsAt),
      now: NOW,
      busy,
    });

    it('accepts exactly the start of a free slot', () => {
      expect(isBookableSlot(args('2026-10-26T08:00:00Z'))).to.equal(true);
      expect(isBookableSlot(args('2026-10-26T15:30:00Z'))).to.equal(true);
    });

    it('rejects off-grid, out-of-hours, busy and invalid times', () => {
      expect(isBookableSlot(args('2026-10-26T08:10:00Z'))).to.equal(false);
      expect(isBookableSlot(args('2026-10-26T16:00:00Z'))).to.equal(false);
      expect(isBookableSlot(args('2026-10-25T09:00:00Z'))).to.equal(false);
      const busy = [{ startsAt: at('2026-10-26T08:00:00Z'), endsAt: at('2026-10-26T08:30:00Z') }];
      expect(isBookableSlot(args('2026-10-26T08:00:00Z', busy))).to.equal(false);
      expect(isBookableSlot(args('not a date'))).to.equal(false);
    });

    it('rejects a slot in the past', () => {
      expect(isBookableSlot({ ...args('2026-10-26T08:00:00Z'), now: at('2026-10-26T08:00:01Z') })).to.equal(
        false,
      );
    });
  });

  describe('validateAvailability', () => {
    it('accepts the defaults and a normal week', () => {
      expect(validateAvailability(DEFAULT_AVAILABILITY('UTC'))).to.deep.equal([]);
      expect(
        validateAvailability(
          berlin({
            weekly: [
              ...weekdays('09:00', '12:00'),
              ...weekdays('12:00', '17:00'),
              { weekday: 6, start: '20:00', end: '24:00' },
            ],
            overrides: [
              { date: '2026-12-24', closed: true },
              { date: '2026-12-27', ranges: [{ start: '10:00', end: '12:00' }] },
            ],
          }),
        ),
      ).to.deep.equal([]);
    });

    it('rejects an unknown time zone', () => {
      expect(validateAvailability(berlin({ timeZone: 'Mars/Olympus_Mons' }))).to.deep.equal([
        { path: '/timeZone', message: 'must be a known IANA time zone, e.g. "Europe/Berlin"' },
      ]);
    });

    it('rejects end <= start, with the path of the range', () => {
      const problems = validateAvailability(
        berlin({
          weekly: [
            { weekday: 1, start: '09:00', end: '17:00' },
            { weekday: 2, start: '17:00', end: '09:00' },
            { weekday: 3, start: '09:00', end: '09:00' },
          ],
          overrides: [
            {
              date: '2026-12-27',
              ranges: [
                { start: '10:00', end: '12:00' },
                { start: '12:00', end: '11:00' },
              ],
            },
          ],
        }),
      );
      expect(problems.map((p) => p.path)).to.deep.equal(['/weekly/1', '/weekly/2', '/overrides/0/ranges/1']);
    });

    it('rejects overlapping ranges on one weekday and within one override', () => {
      const problems = validateAvailability(
        berlin({
          weekly: [
            { weekday: 1, start: '09:00', end: '12:00' },
            { weekday: 2, start: '11:00', end: '13:00' }, // other weekday: fine
            { weekday: 1, start: '11:30', end: '13:00' },
          ],
          overrides: [
            {
              date: '2026-12-27',
              ranges: [
                { start: '14:00', end: '15:00' },
                { start: '10:00', end: '14:30' },
              ],
            },
          ],
        }),
      );
      expect(problems).to.deep.equal([
        { path: '/weekly/2', message: 'overlaps /weekly/0' },
        { path: '/overrides/0/ranges/0', message: 'overlaps /overrides/0/ranges/1' },
      ]);
    });

    it('rejects duplicate override dates and malformed values', () => {
      const problems = validateAvailability(
        berlin({
          weekly: [{ weekday: 8, start: '9:00', end: '25:00' }],
          overrides: [
            { date: '2026-12-24', closed: true },
            { date: '2026-12-24', closed: true },
            { date: '2026-02-30', closed: true, ranges: [{ start: '10:00', end: '11:00' }] },
          ],
        }),
      );
      expect(problems.map((p) => p.path)).to.deep.equal([
        '/weekly/0/weekday',
        '/weekly/0/start',
        '/weekly/0/end',
        '/overrides/1/date',
        '/overrides/2/date',
        '/overrides/2/ranges',
      ]);
    });

    it('checks the bounds of the numeric settings', () => {
      const problems = validateAvailability(
        berlin({ slotMinutes: 4, bufferMinutes: 241, minNoticeMinutes: -1, horizonDays: 366 }),
      );
      expect(problems.map((p) => p.path)).to.deep.equal([
        '/slotMinutes',
        '/bufferMinutes',
        '/minNoticeMinutes',
        '/horizonDays',
      ]);
      expect(
        validateAvailability(
          berlin({ slotMinutes: 480, bufferMinutes: 240, minNoticeMinutes: 43200, horizonDays: 1 }),
        ),
      ).to.deep.equal([]);
      expect(validateAvailability(berlin({ slotMinutes: 30.5 }))[0].path).to.equal('/slotMinutes');
    });

    it('makes computeFreeSlots refuse an invalid availability', () => {
      expect(() =>
        day(berlin({ timeZone: 'Nowhere/Else' }), '2026-10-26T00:00:00Z', '2026-10-27T00:00:00Z'),
      ).to.throw(RangeError, '/timeZone');
    });
  });

  describe('horizon end (ZoneClock.horizonEnd)', () => {
    // Zones with unusual changes: 30-minute DST, DST at midnight, negative DST, 2-hour DST,
    // Ramadan suspensions, a skipped day (Apia 2011), quarter-hour offsets, no DST at all.
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'America/Havana',
      'America/Santiago',
      'Asia/Beirut',
      'Africa/Casablanca',
      'Europe/Dublin',
      'Antarctica/Troll',
      'Pacific/Apia',
      'America/St_Johns',
      'Asia/Tehran',
      'Asia/Kathmandu',
      'America/Asuncion',
      'Pacific/Kiritimati',
      'America/Scoresbysund',
    ];
    const DAYS = [1, 2, 7, 30, 90, 365];

    it('is what luxon’s plus({days}) answers, also when the answer falls in a DST gap or overlap', () => {
      const DAY_MS = 86_400_000;
      let checked = 0;
      const check = (zone: string, nowMs: number, days: number) => {
        const want = DateTime.fromMillis(nowMs, { zone }).plus({ days }).toMillis();
        expect(
          zoneClock(zone).horizonEnd(nowMs, days),
          `${zone} ${new Date(nowMs).toISOString()} +${days}`,
        ).to.equal(want);
        checked++;
      };
      for (const zone of zones) {
        const offset = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
        // Every change of 2011 (Apia skipped a day) and 2026, found to the second: answers landing
        // just before, inside and after each gap or overlap, at odd seconds and milliseconds.
        for (const year of [2011, 2026]) {
          let previous = offset(Date.UTC(year, 0, 1));
          for (let t = Date.UTC(year, 0, 2); t < Date.UTC(year + 1, 0, 1); t += DAY_MS) {
            if (offset(t) === previous) continue;
            let lo = t - DAY_MS;
            let hi = t;
            while (hi - lo > 1000) {
              const mid = Math.floor((lo + hi) / 2000) * 1000;
              if (offset(mid) === previous) lo = mid;
              else hi = mid;
            }
            for (const days of [1, 90])
              for (let k = -150; k <= 150; k += 13)
                check(zone, hi + k * 60_000 + k * 37 - days * DAY_MS, days);
            previous = offset(t);
          }
        }
        for (let i = 0; i < 20; i++)
          check(zone, Date.UTC(2020, 0, 1) + i * 47_123_456_789, DAYS[i % DAYS.length]!);
      }
      expect(checked).to.be.greaterThan(zones.length * 20);
    });
  });
});
