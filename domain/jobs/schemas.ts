/** Input shapes of jobs (TypeBox): the domain owns them; the API validates requests with them. */
import { DateTime, PageQueryProps, StrictObject, StringEnum, Type, type Static } from '../../lib/schema.js';
import { JOB_STATES } from './job-state.js';

export const CancelJobInput = StrictObject({
  mode: Type.Optional(
    StringEnum(['fail', 'remove'] as const, {
      default: 'fail',
      description: '`fail` keeps the job permanently failed (it can still be retried); `remove` deletes it.',
    }),
  ),
});
export type CancelJobInput = Static<typeof CancelJobInput>;

export const ListJobsQuery = StrictObject({
  state: Type.Optional(StringEnum(JOB_STATES)),
  task: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' })),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
  ...PageQueryProps,
});
export type ListJobsQuery = Static<typeof ListJobsQuery>;

export const RetryJobsInput = StrictObject({
  task: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' })),
  state: Type.Optional(StringEnum(['failed', 'queued', 'scheduled'] as const, { default: 'failed' })),
});
export type RetryJobsInput = Static<typeof RetryJobsInput>;
