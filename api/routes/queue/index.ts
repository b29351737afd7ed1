import { addToQueue, type AddToQueueInput } from '../../../domain/queue/add-to-queue.js';
import { changeQueueStatus } from '../../../domain/queue/change-queue-status.js';
import { getQueueEntry } from '../../../domain/queue/get-queue-entry.js';
import { listQueue, type ListQueueInput } from '../../../domain/queue/list-queue.js';
import { toQueueEntryView, type QueueStatus } from '../../../domain/queue/queue-entry.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import {
  addToQueueBody,
  changeQueueStatusBody,
  listQueueQuery,
  queueEntrySchema,
  queueListSchema,
  queueStreamQuery,
} from './schemas.js';
import { streamQueue } from './stream.js';

const writers = ['staff', 'nurse', 'doctor', 'admin'] as const;

/** The walk-in queue: numbered tickets per clinic day and doctor, and a live stream of changes. */
export const queueRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/queue',
    operationId: 'addToQueue',
    summary: "Add a patient to today's queue (next number of that day and doctor)",
    tags: ['queue'],
    access: writers,
    status: 201,
    body: addToQueueBody,
    response: queueEntrySchema,
    handler: async (ctx) =>
      toQueueEntryView(await addToQueue(ctx.state.actor!, ctx.state.body as AddToQueueInput)),
  },
  {
    method: 'GET',
    path: '/queue',
    operationId: 'listQueue',
    summary: "A clinic day's queue (today by default), filtered by status and doctor",
    tags: ['queue'],
    access: 'authenticated',
    query: listQueueQuery,
    response: queueListSchema,
    handler: async (ctx) => {
      const page = await listQueue(ctx.state.actor!, ctx.state.query as unknown as ListQueueInput);
      return { items: page.items.map(toQueueEntryView), nextCursor: page.nextCursor, date: page.date };
    },
  },
  {
    method: 'GET',
    path: '/queue/stream',
    operationId: 'streamQueue',
    summary: 'Live queue changes as Server-Sent Events (token may be passed as ?access_token=)',
    tags: ['queue'],
    access: 'authenticated',
    query: queueStreamQuery,
    responseContentType: 'text/event-stream',
    handler: streamQueue,
  },
  {
    method: 'GET',
    path: '/queue/:id',
    operationId: 'getQueueEntry',
    summary: 'One queue entry',
    tags: ['queue'],
    access: 'authenticated',
    params: idParams,
    response: queueEntrySchema,
    handler: async (ctx) =>
      toQueueEntryView(await getQueueEntry(ctx.state.actor!, ctx.state.params.id as string)),
  },
  {
    method: 'PATCH',
    path: '/queue/:id',
    operationId: 'changeQueueStatus',
    summary: 'Move a queue entry along WAITING → IN_PROGRESS → COMPLETED, or cancel it',
    tags: ['queue'],
    access: writers,
    params: idParams,
    body: changeQueueStatusBody,
    response: queueEntrySchema,
    handler: async (ctx) =>
      toQueueEntryView(
        await changeQueueStatus(
          ctx.state.actor!,
          ctx.state.params.id as string,
          (ctx.state.body as { status: QueueStatus }).status,
        ),
      ),
  },
]);
