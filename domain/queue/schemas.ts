/** Input shapes of queue (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOnly,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { QUEUE_STATUSES } from './queue-entry.js';

export const AddToQueueInput = StrictObject({
  patientId: Uuid,
  doctorId: Type.Optional(Uuid),
});
export type AddToQueueInput = Static<typeof AddToQueueInput>;

export const ChangeQueueStatusInput = StrictObject({
  status: StringEnum(QUEUE_STATUSES),
});
export type ChangeQueueStatusInput = Static<typeof ChangeQueueStatusInput>;

export const ListQueueQuery = StrictObject({
  date: Type.Optional(DateOnly),
  status: Type.Optional(StringEnum(QUEUE_STATUSES)),
  doctorId: Type.Optional(Uuid),
  ...PageQueryProps,
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
});
export type ListQueueQuery = Static<typeof ListQueueQuery>;

export const StreamQueueQuery = StrictObject({
  doctorId: Type.Optional(Uuid),
  access_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
});
export type StreamQueueQuery = Static<typeof StreamQueueQuery>;
