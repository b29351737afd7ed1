/** Query and response shapes of the analytics routes (SPEC "Analytics"). */
import { INTERVALS } from '../../../domain/analytics/range.js';
import { DateOnly, DateTime, Nullable, StringEnum, Type, Uuid } from '../../../lib/schema.js';

const Int = Type.Integer();
const Period = DateOnly;

export { SummaryQuery } from '../../../domain/analytics/schemas.js';

const Head = {
  from: DateTime,
  to: DateTime,
  interval: StringEnum(INTERVALS),
  timeZone: Type.String(),
  doctorId: Nullable(Uuid),
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
      doctorId: Uuid,
      name: Type.String(),
      booked: Int,
      completed: Int,
      noShowRate: Type.Number(),
      utilisation: Type.Number(),
    }),
  ),
  series: Type.Array(Type.Object({ period: Period, ...Counts })),
});
