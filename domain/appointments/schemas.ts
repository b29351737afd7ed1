/** Input shapes of appointments (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOrDateTime,
  DateTime,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { APPOINTMENT_STATUSES } from './appointment.js';

export const BookAppointmentInput = StrictObject({
  doctorId: Uuid,
  patientId: Type.Optional(Uuid),
  startsAt: DateTime,
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
});
export type BookAppointmentInput = Static<typeof BookAppointmentInput>;

export const ListAppointmentsQuery = StrictObject({
  ...PageQueryProps,
  status: Type.Optional(Type.Array(StringEnum(APPOINTMENT_STATUSES), { maxItems: 6 })),
  doctorId: Type.Optional(Uuid),
  patientId: Type.Optional(Uuid),
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
});
export type ListAppointmentsQuery = Static<typeof ListAppointmentsQuery>;

export const NewTimeBody = StrictObject({
  startsAt: DateTime,
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
});
export type NewTimeBody = Static<typeof NewTimeBody>;

export const ReasonBody = StrictObject({
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
});
export type ReasonBody = Static<typeof ReasonBody>;
