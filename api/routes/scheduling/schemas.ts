/** Response shapes of the scheduling routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, ListOf, StrictObject, Type, Uuid, type Static } from '../../../lib/schema.js';

export { Availability } from '../../../domain/scheduling/schemas.js';

export const Slot = StrictObject({
  startsAt: DateTime,
  endsAt: DateTime,
});
export type Slot = Static<typeof Slot>;

export const SlotList = StrictObject({
  items: Type.Array(Slot),
  nextCursor: Type.Null(),
  timeZone: Type.String({ description: "The doctor's zone; plain-date bounds are whole days in it" }),
});
export type SlotList = Static<typeof SlotList>;

/** A free slot of one doctor, from the search across doctors. */
export const DoctorSlot = StrictObject({ doctorId: Uuid, startsAt: DateTime, endsAt: DateTime });

/** First free slots across doctors, ordered by time. */
export const DoctorSlotList = ListOf(DoctorSlot);
export type DoctorSlotList = Static<typeof DoctorSlotList>;
