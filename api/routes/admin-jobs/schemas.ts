/** Response shapes of the admin-jobs routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, Nullable, StrictObject, StringEnum, Type, type Static } from '../../../lib/schema.js';
import { JOB_STATES } from '../../../domain/jobs/job-state.js';

export const Job = Type.Object({
  id: Type.String(),
  task: Type.String(),
  state: StringEnum(JOB_STATES),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: DateTime,
  lastError: Nullable(Type.String()),
  createdAt: DateTime,
  permanentlyFailed: Type.Optional(Type.Boolean()),
  key: Type.Optional(Nullable(Type.String())),
  queueName: Type.Optional(Nullable(Type.String())),
  priority: Type.Optional(Type.Integer()),
  lockedAt: Type.Optional(Nullable(DateTime)),
  lockedBy: Type.Optional(Nullable(Type.String())),
  updatedAt: Type.Optional(DateTime),
  finishedAt: Type.Optional(DateTime),
  durationMs: Type.Optional(Type.Integer()),
});
export type Job = Static<typeof Job>;

/** A job with its redacted payload and run history. */
export const JobDetail = Type.Composite([
  Job,
  Type.Object({
    payload: Type.Unknown({
      description: 'The payload with secrets, tokens and OTPs redacted; null for completed jobs.',
    }),
    flags: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    runs: Type.Array(
      Type.Object({
        attempt: Type.Optional(Type.Integer()),
        outcome: Type.Optional(StringEnum(['completed', 'failed'] as const)),
        final: Type.Optional(Type.Boolean()),
        error: Type.Optional(Nullable(Type.String())),
        workerId: Type.Optional(Nullable(Type.String())),
        startedAt: Type.Optional(DateTime),
        finishedAt: Type.Optional(DateTime),
        durationMs: Type.Optional(Type.Integer()),
      }),
    ),
  }),
]);
export type JobDetail = Static<typeof JobDetail>;

export const JobIdParams = StrictObject({
  id: Type.String({ pattern: '^[0-9]{1,18}$' }),
});
export type JobIdParams = Static<typeof JobIdParams>;

export const JobStats = Type.Object({
  tasks: Type.Array(
    Type.Object({
      task: Type.Optional(Type.String()),
      queued: Type.Optional(Type.Integer()),
      scheduled: Type.Optional(Type.Integer()),
      running: Type.Optional(Type.Integer()),
      failed: Type.Optional(Type.Integer()),
      completedLastHour: Type.Optional(Type.Integer()),
      failedLastHour: Type.Optional(Type.Integer()),
    }),
  ),
  totals: Type.Object({
    queued: Type.Optional(Type.Integer()),
    scheduled: Type.Optional(Type.Integer()),
    running: Type.Optional(Type.Integer()),
    failed: Type.Optional(Type.Integer()),
  }),
  oldestQueuedAgeSeconds: Type.Number(),
  failuresLastHour: Type.Integer(),
  completedLastHour: Type.Integer(),
  liveWorkers: Type.Integer(),
});
export type JobStats = Static<typeof JobStats>;

export const RetryJobsResult = StrictObject({
  retried: Type.Integer(),
  jobIds: Type.Array(Type.String()),
});
export type RetryJobsResult = Static<typeof RetryJobsResult>;
