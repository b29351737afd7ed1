/** Response shapes of the queue routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateOnly, DateTime, Nullable, StringEnum, Type, Uuid, type Static } from '../../../lib/schema.js';
import { QUEUE_STATUSES } from '../../../domain/queue/queue-entry.js';

export const QueueEntry = Type.Object({
  id: Uuid,
  number: Type.Integer({ minimum: 1 }),
  date: DateOnly,
  status: StringEnum(QUEUE_STATUSES),
  patientId: Uuid,
  doctorId: Type.Optional(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type QueueEntry = Static<typeof QueueEntry>;

export const QueueList = Type.Object({
  items: Type.Array(QueueEntry),
  nextCursor: Nullable(Type.String()),
  date: DateOnly,
});
export type QueueList = Static<typeof QueueList>;
