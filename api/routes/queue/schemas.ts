import { QUEUE_STATUSES } from '../../../domain/queue/queue-entry.js';
import { date, dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

export const queueEntrySchema = {
  type: 'object',
  required: ['id', 'number', 'date', 'status', 'patientId', 'createdAt', 'updatedAt'],
  properties: {
    id: uuid,
    number: { type: 'integer', minimum: 1 },
    date,
    status: { type: 'string', enum: [...QUEUE_STATUSES] },
    patientId: uuid,
    doctorId: uuid,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
};

export const addToQueueBody = objectSchema({ patientId: uuid, doctorId: uuid }, ['patientId']);

export const listQueueQuery = objectSchema({
  date,
  status: { type: 'string', enum: [...QUEUE_STATUSES] },
  doctorId: uuid,
  // A day's queue usually fits one page, which is what waiting-room screens want.
  limit: { ...pageQueryProps.limit, default: 100 },
  cursor: pageQueryProps.cursor,
});

export const queueListSchema = {
  type: 'object',
  required: ['items', 'nextCursor', 'date'],
  properties: {
    items: { type: 'array', items: queueEntrySchema },
    nextCursor: { type: ['string', 'null'] },
    date,
  },
};

export const changeQueueStatusBody = objectSchema({ status: { type: 'string', enum: [...QUEUE_STATUSES] } }, [
  'status',
]);

export const queueStreamQuery = objectSchema({
  doctorId: uuid,
  /** EventSource cannot send headers: the token may come in the query string on this route only. */
  access_token: { type: 'string', minLength: 1, maxLength: 4096 },
});
