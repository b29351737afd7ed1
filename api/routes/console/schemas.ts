/** JSON Schemas of the operator console's routes (dashboard, schedules, bulk cancel, development inbox). */
import type { JsonSchema } from '../../route.js';
import { dateTime, objectSchema } from '../../schemas.js';
import { bulkJobsProps, jobStatsSchema } from '../admin-jobs/schemas.js';

const int = { type: 'integer' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

const series = objectSchema(
  {
    bucketSeconds: int,
    points: {
      type: 'array',
      items: objectSchema({ at: dateTime, completed: int, failed: int }, ['at', 'completed', 'failed']),
    },
  },
  ['bucketSeconds', 'points'],
);

export const dashboardSchema: JsonSchema = objectSchema(
  {
    generatedAt: dateTime,
    stats: jobStatsSchema,
    throughput: objectSchema({ hour: series, day: series }, ['hour', 'day']),
    pools: {
      type: 'array',
      items: objectSchema(
        {
          workerId: { type: 'string' },
          pid: { type: ['integer', 'null'] },
          host: nullableString,
          lastSeen: dateTime,
          heartbeatAgeSeconds: { type: 'number' },
          live: { type: 'boolean' },
          runningJobs: int,
        },
        ['workerId', 'lastSeen', 'heartbeatAgeSeconds', 'live', 'runningJobs'],
      ),
    },
    recentFailures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['jobId', 'task', 'attempt', 'error', 'finishedAt'],
        properties: {
          jobId: { type: 'string' },
          task: { type: 'string' },
          jobKey: nullableString,
          attempt: int,
          outcome: { const: 'failed' },
          final: { type: 'boolean' },
          error: nullableString,
          workerId: nullableString,
          startedAt: dateTime,
          finishedAt: dateTime,
          durationMs: int,
        },
      },
    },
  },
  ['generatedAt', 'stats', 'throughput', 'pools', 'recentFailures'],
);

export const schedulesQuery = objectSchema({
  withinMinutes: { type: 'integer', minimum: 1, maximum: 1440, default: 60 },
});

export const schedulesSchema: JsonSchema = objectSchema(
  {
    withinMinutes: int,
    crontab: {
      type: 'array',
      items: objectSchema(
        {
          identifier: { type: 'string' },
          task: { type: 'string' },
          schedule: { type: 'string' },
          nextRuns: { type: 'array', items: dateTime },
          lastExecution: nullableDateTime,
        },
        ['identifier', 'task', 'schedule', 'nextRuns', 'lastExecution'],
      ),
    },
    dueSoon: {
      type: 'array',
      items: objectSchema(
        {
          task: { type: 'string' },
          count: int,
          firstRunAt: dateTime,
          jobs: {
            type: 'array',
            items: objectSchema({ id: { type: 'string' }, runAt: dateTime, key: nullableString }, [
              'id',
              'runAt',
              'key',
            ]),
          },
        },
        ['task', 'count', 'firstRunAt', 'jobs'],
      ),
    },
  },
  ['withinMinutes', 'crontab', 'dueSoon'],
);

/** Query of the count shown before a bulk action: the same filter as the action's body. */
export const countJobsQuery = objectSchema(bulkJobsProps);

export const countJobsResult = objectSchema({ count: int, maxId: nullableString }, ['count', 'maxId']);

export const cancelJobsBody = objectSchema(bulkJobsProps);

export const cancelJobsResult = objectSchema(
  { cancelled: int, jobIds: { type: 'array', items: { type: 'string' } } },
  ['cancelled', 'jobIds'],
);

const outboxId = { type: 'string', pattern: '^[A-Za-z0-9@._-]{1,200}$' } as const;

export const outboxIdParams = objectSchema({ id: outboxId }, ['id']);

export const outboxAttachmentParams = objectSchema(
  { id: outboxId, index: { type: 'integer', minimum: 0, maximum: 1000 } },
  ['id', 'index'],
);

export const outboxListQuery = objectSchema({
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  cursor: outboxId,
});

const summaryProps = {
  id: { type: 'string' },
  subject: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  date: nullableDateTime,
};

export const outboxListSchema = objectSchema(
  {
    items: { type: 'array', items: objectSchema(summaryProps, Object.keys(summaryProps)) },
    nextCursor: nullableString,
  },
  ['items', 'nextCursor'],
);

export const outboxEmailSchema = objectSchema(
  {
    ...summaryProps,
    text: { type: 'string' },
    hasHtml: { type: 'boolean' },
    links: { type: 'array', items: { type: 'string' } },
    codes: { type: 'array', items: { type: 'string' } },
    attachments: {
      type: 'array',
      items: objectSchema(
        { index: int, filename: { type: 'string' }, contentType: { type: 'string' }, size: int },
        ['index', 'filename', 'contentType', 'size'],
      ),
    },
  },
  [...Object.keys(summaryProps), 'text', 'hasHtml', 'links', 'codes', 'attachments'],
);
