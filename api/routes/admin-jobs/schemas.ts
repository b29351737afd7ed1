/** JSON Schemas of the jobs-admin routes. */
import type { JsonSchema } from '../../route.js';
import { dateTime, objectSchema, pageQueryProps } from '../../schemas.js';

/** A graphile-worker job id: a positive bigint, written as a string. */
export const jobIdParams = objectSchema({ id: { type: 'string', pattern: '^[0-9]{1,18}$' } }, ['id']);

const task = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' } as const;

/** Text searched in the job key and the payload keys `to`, `template` and `…Id`. */
export const jobSearch = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const listJobsQuery = objectSchema({
  state: { enum: ['queued', 'scheduled', 'running', 'failed', 'completed'] },
  task,
  q: jobSearch,
  from: dateTime,
  to: dateTime,
  ...pageQueryProps,
});

export const cancelJobBody = objectSchema({
  mode: {
    enum: ['fail', 'remove'],
    default: 'fail',
    description: '`fail` keeps the job permanently failed (it can still be retried); `remove` deletes it.',
  },
});

/** The filtered set of a bulk action (retry or cancel). */
export const bulkJobsProps = {
  task,
  state: { enum: ['failed', 'queued', 'scheduled'], default: 'failed' },
  q: jobSearch,
  maxId: {
    type: 'string',
    pattern: '^[0-9]{1,18}$',
    description:
      'Only jobs with an id at or below this one (the `maxId` of the count shown to the operator).',
  },
} as const;

export const retryJobsBody = objectSchema(bulkJobsProps);

const nullableString = { type: ['string', 'null'] } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const jobSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'task', 'state', 'attempts', 'maxAttempts', 'runAt', 'lastError', 'createdAt'],
  properties: {
    id: { type: 'string' },
    task: { type: 'string' },
    state: { enum: ['queued', 'scheduled', 'running', 'failed', 'completed'] },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    runAt: dateTime,
    lastError: nullableString,
    createdAt: dateTime,
    permanentlyFailed: { type: 'boolean' },
    key: nullableString,
    queueName: nullableString,
    priority: { type: 'integer' },
    lockedAt: nullableDateTime,
    lockedBy: nullableString,
    updatedAt: dateTime,
    finishedAt: dateTime,
    durationMs: { type: 'integer' },
  },
};

export const jobDetailSchema: JsonSchema = {
  ...jobSchema,
  required: [...(jobSchema.required as string[]), 'payload', 'runs'],
  properties: {
    ...(jobSchema.properties as Record<string, unknown>),
    payload: { description: 'The payload with secrets, tokens and OTPs redacted; null for completed jobs.' },
    flags: { type: ['object', 'null'] },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          attempt: { type: 'integer' },
          outcome: { enum: ['completed', 'failed'] },
          final: { type: 'boolean' },
          error: nullableString,
          workerId: nullableString,
          startedAt: dateTime,
          finishedAt: dateTime,
          durationMs: { type: 'integer' },
        },
      },
    },
  },
};

const counts = {
  queued: { type: 'integer' },
  scheduled: { type: 'integer' },
  running: { type: 'integer' },
  failed: { type: 'integer' },
};

export const jobStatsSchema: JsonSchema = {
  type: 'object',
  required: [
    'tasks',
    'totals',
    'oldestQueuedAgeSeconds',
    'failuresLastHour',
    'completedLastHour',
    'liveWorkers',
  ],
  properties: {
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          task: { type: 'string' },
          ...counts,
          completedLastHour: { type: 'integer' },
          failedLastHour: { type: 'integer' },
        },
      },
    },
    totals: { type: 'object', properties: counts },
    oldestQueuedAgeSeconds: { type: 'number' },
    failuresLastHour: { type: 'integer' },
    completedLastHour: { type: 'integer' },
    liveWorkers: { type: 'integer' },
  },
};

export const retryJobsResult = objectSchema(
  { retried: { type: 'integer' }, jobIds: { type: 'array', items: { type: 'string' } } },
  ['retried', 'jobIds'],
);
