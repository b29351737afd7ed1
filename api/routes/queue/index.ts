import { errorSpec, notFound } from '../../../lib/errors.js';
import { addToQueue } from '../../../domain/queue/add-to-queue.js';
import { changeQueueStatus } from '../../../domain/queue/change-queue-status.js';
import { getQueueEntry } from '../../../domain/queue/get-queue-entry.js';
import { listQueue } from '../../../domain/queue/list-queue.js';
import { toQueueEntryView } from '../../../domain/queue/queue-entry.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { QueueEntry, QueueList } from './schemas.js';
import {
  AddToQueueInput,
  ChangeQueueStatusInput,
  ListQueueQuery,
  StreamQueueQuery,
} from '../../../domain/queue/schemas.js';
import { streamQueue } from './stream.js';

const writers = ['staff', 'nurse', 'doctor', 'admin'] as const;

/** The walk-in queue: numbered tickets per clinic day and doctor, and a live stream of changes. */
export const queueRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/queue',
    errors: [notFound('patient or doctor'), errorSpec(409, 'duplicate', 'Such a record already exists')],
    operationId: 'addToQueue',
    summary: "Add a patient to today's queue (next number of that day and doctor)",
    tags: ['queue'],
    access: writers,
    status: 201,
    body: AddToQueueInput,
    response: QueueEntry,
    handler: async (ctx) => toQueueEntryView(await addToQueue(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/queue',
    operationId: 'listQueue',
    summary: "A clinic day's queue (today by default), filtered by status and doctor",
    tags: ['queue'],
    access: 'authenticated',
    query: ListQueueQuery,
    response: QueueList,
    handler: async (ctx) => {
      const page = await listQueue(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(toQueueEntryView), nextCursor: page.nextCursor, date: page.date };
    },
  }),
  route({
    method: 'GET',
    path: '/queue/stream',
    errors: [
      errorSpec(429, 'rate_limited', 'Too many open streams for this user (SSE_MAX_STREAMS_PER_USER)'),
      errorSpec(503, 'queue_stream_unavailable', 'Live queue updates cannot start right now'),
    ],
    operationId: 'streamQueue',
    summary: 'Live queue changes as Server-Sent Events (token may be passed as ?access_token=)',
    tags: ['queue'],
    access: 'authenticated',
    query: StreamQueueQuery,
    responseContentType: 'text/event-stream',
    handler: streamQueue,
  }),
  route({
    method: 'GET',
    path: '/queue/:id',
    operationId: 'getQueueEntry',
    summary: 'One queue entry',
    tags: ['queue'],
    access: 'authenticated',
    params: IdParams,
    response: QueueEntry,
    handler: async (ctx) => toQueueEntryView(await getQueueEntry(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/queue/:id',
    errors: [errorSpec(409, 'invalid_transition', 'Not allowed from the current status')],
    operationId: 'changeQueueStatus',
    summary: 'Move a queue entry along WAITING → IN_PROGRESS → COMPLETED, or cancel it',
    tags: ['queue'],
    access: writers,
    params: IdParams,
    body: ChangeQueueStatusInput,
    response: QueueEntry,
    handler: async (ctx) =>
      toQueueEntryView(await changeQueueStatus(ctx.state.actor, ctx.state.params.id, ctx.state.body.status)),
  }),
]);
