/** Query and response shapes of the analytics routes (SPEC "Analytics"). */
import { Type } from '@sinclair/typebox';
import { INTERVALS } from '../../../domain/analytics/range.js';

const DATE_OR_DATE_TIME =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$';
const Int = Type.Integer();
const Period = Type.String({ format: 'date' });

export const SummaryQuery = Type.Object(
  {
    from: Type.String({
      pattern: DATE_OR_DATE_TIME,
      description: 'YYYY-MM-DD (whole clinic day) or date-time with offset',
    }),
    to: Type.String({
      pattern: DATE_OR_DATE_TIME,
      description: 'YYYY-MM-DD (inclusive day) or date-time with offset (exclusive)',
    }),
    interval: Type.Unsafe<(typeof INTERVALS)[number]>({
      type: 'string',
      enum: [...INTERVALS],
      default: 'month',
    }),
    doctorId: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);

const Head = {
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: Type.String(),
  timeZone: Type.String(),
  doctorId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
};

export const PatientSummary = Type.Object({
  ...Head,
  totals: Type.Object({ patients: Int, newPatients: Int, visits: Int, walkIns: Int }),
  series: Type.Array(Type.Object({ period: Period, newPatients: Int, visits: Int })),
});

const Money = { grossCents: Int, refundedCents: Int, netCents: Int };
export const RevenueSummary = Type.Object({
  ...Head,
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      totals: Type.Object(Money),
      series: Type.Array(Type.Object({ period: Period, ...Money })),
    }),
  ),
});

const Counts = { booked: Int, completed: Int, cancelled: Int, noShow: Int };
export const AppointmentSummary = Type.Object({
  ...Head,
  totals: Type.Object({
    ...Counts,
    cancellationRate: Type.Number(),
    noShowRate: Type.Number(),
    utilisation: Type.Number(),
  }),
  byDoctor: Type.Array(
    Type.Object({
      doctorId: Type.String({ format: 'uuid' }),
      name: Type.String(),
      booked: Int,
      completed: Int,
      noShowRate: Type.Number(),
      utilisation: Type.Number(),
    }),
  ),
  series: Type.Array(Type.Object({ period: Period, ...Counts })),
});
