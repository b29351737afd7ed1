import { expect } from 'chai';
import { parseCrontab } from 'graphile-worker';
import { nextCronRuns } from '../../domain/jobs/schedules.js';

const item = (line: string) => parseCrontab(line)[0];
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('crontab next runs', () => {
  it('gives the next minutes a line fires, strictly after the given time, in UTC', () => {
    const from = new Date('2026-11-30T03:07:30Z');
    expect(iso(nextCronRuns(item('*/15 * * * * reconcile_payments'), from))).to.deep.equal([
      '2026-11-30T03:15:00.000Z',
      '2026-11-30T03:30:00.000Z',
      '2026-11-30T03:45:00.000Z',
    ]);
    expect(
      iso(nextCronRuns(item('* * * * * recover_stale_workers'), new Date('2026-11-30T03:07:00Z'), 1)),
    ).to.deep.equal(['2026-11-30T03:08:00.000Z']);
  });

  it('follows days of the week, months and year ends like graphile-worker does', () => {
    // 2026-11-30 is a Monday.
    expect(
      iso(nextCronRuns(item('17 3 * * 1 weekly_task'), new Date('2026-11-30T03:17:00Z'), 2)),
    ).to.deep.equal(['2026-12-07T03:17:00.000Z', '2026-12-14T03:17:00.000Z']);
    expect(iso(nextCronRuns(item('0 0 1 1 * new_year'), new Date('2026-11-30T00:00:00Z'), 1))).to.deep.equal([
      '2027-01-01T00:00:00.000Z',
    ]);
  });

  it('gives no run for a line that fires less often than once a year ahead (29 February)', () => {
    expect(nextCronRuns(item('0 0 29 2 * leap_day'), new Date('2026-11-30T00:00:00Z'))).to.deep.equal([]);
  });
});
