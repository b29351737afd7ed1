/** Response shapes of the scheduling routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, StrictObject, Type, type Static } from '../../../lib/schema.js';

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
