/** Shapes of the operator console's routes (dashboard, schedules, bulk cancel, development inbox). */
import { BulkJobsProps } from '../../../domain/jobs/schemas.js';
import { DateTime, Nullable, StrictObject, StringEnum, Type, type Static } from '../../../lib/schema.js';
import { JobStats } from '../admin-jobs/schemas.js';

const Int = Type.Integer();

const Series = StrictObject({
  bucketSeconds: Int,
  points: Type.Array(StrictObject({ at: DateTime, completed: Int, failed: Int })),
});

export const Dashboard = StrictObject({
  generatedAt: DateTime,
  stats: JobStats,
  throughput: StrictObject({ hour: Series, day: Series }),
  pools: Type.Array(
    StrictObject({
      workerId: Type.String(),
      pid: Type.Optional(Nullable(Type.Integer())),
      host: Type.Optional(Nullable(Type.String())),
      lastSeen: DateTime,
      heartbeatAgeSeconds: Type.Number(),
      live: Type.Boolean(),
      runningJobs: Int,
    }),
  ),
  recentFailures: Type.Array(
    Type.Object({
      jobId: Type.String(),
      task: Type.String(),
      jobKey: Type.Optional(Nullable(Type.String())),
      attempt: Int,
      outcome: Type.Optional(StringEnum(['completed', 'failed'] as const)),
      final: Type.Optional(Type.Boolean()),
      error: Nullable(Type.String()),
      workerId: Type.Optional(Nullable(Type.String())),
      startedAt: Type.Optional(DateTime),
      finishedAt: DateTime,
      durationMs: Type.Optional(Int),
    }),
  ),
});
export type Dashboard = Static<typeof Dashboard>;

export const SchedulesQuery = StrictObject({
  withinMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60 }),
});

export const Schedules = StrictObject({
  withinMinutes: Int,
  crontab: Type.Array(
    StrictObject({
      identifier: Type.String(),
      task: Type.String(),
      schedule: Type.String(),
      nextRuns: Type.Array(DateTime),
      lastExecution: Nullable(DateTime),
    }),
  ),
  dueSoon: Type.Array(
    StrictObject({
      task: Type.String(),
      count: Int,
      firstRunAt: DateTime,
      jobs: Type.Array(StrictObject({ id: Type.String(), runAt: DateTime, key: Nullable(Type.String()) })),
    }),
  ),
});
export type Schedules = Static<typeof Schedules>;

/** Query of the count shown before a bulk action: the same filter as the action's body. */
export const CountJobsQuery = StrictObject(BulkJobsProps);

export const CountJobsResult = StrictObject({ count: Int, maxId: Nullable(Type.String()) });

export const CancelJobsInput = StrictObject(BulkJobsProps);

export const CancelJobsResult = StrictObject({ cancelled: Int, jobIds: Type.Array(Type.String()) });

const OutboxId = Type.String({ pattern: '^[A-Za-z0-9@._-]{1,200}$' });

export const OutboxIdParams = StrictObject({ id: OutboxId });

export const OutboxAttachmentParams = StrictObject({
  id: OutboxId,
  index: Type.Integer({ minimum: 0, maximum: 1000 }),
});

export const OutboxListQuery = StrictObject({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  cursor: Type.Optional(OutboxId),
});

const summaryProps = {
  id: Type.String(),
  subject: Type.String(),
  from: Type.String(),
  to: Type.String(),
  date: Nullable(DateTime),
};

export const OutboxList = StrictObject({
  items: Type.Array(StrictObject(summaryProps)),
  nextCursor: Nullable(Type.String()),
});

export const OutboxEmail = StrictObject({
  ...summaryProps,
  text: Type.String(),
  hasHtml: Type.Boolean(),
  links: Type.Array(Type.String()),
  codes: Type.Array(Type.String()),
  attachments: Type.Array(
    StrictObject({ index: Int, filename: Type.String(), contentType: Type.String(), size: Int }),
  ),
});

const PageText = Type.String({ maxLength: 500 });

/** Filters the jobs page keeps in its address; any other parameter is ignored, never a 400 page. */
export const ShellQuery = Type.Object({
  state: Type.Optional(PageText),
  task: Type.Optional(PageText),
  q: Type.Optional(PageText),
  cursor: Type.Optional(PageText),
});

export const VerifyEmailPageQuery = Type.Object({ token: Type.Optional(PageText) });
