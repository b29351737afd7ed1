/** Input shapes of payments (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOrDateTime,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { PAYMENT_STATUSES } from './payment-state.js';

export const ListPaymentsQuery = StrictObject({
  ...PageQueryProps,
  status: Type.Optional(StringEnum(PAYMENT_STATUSES)),
  appointmentId: Type.Optional(Uuid),
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
});
export type ListPaymentsQuery = Static<typeof ListPaymentsQuery>;
