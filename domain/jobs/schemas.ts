/** Input shapes of jobs (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOrDateTime,
  PageQueryProps,
  SingleLine,
  StrictObject,
  StringEnum,
  Type,
  type Static,
} from '../../lib/schema.js';
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

const Task = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' });

/** Text searched in the job key and the payload keys `to`, `template` and `…Id` (see job-filter.ts). */
export const JobSearch = SingleLine(200);

export const ListJobsQuery = StrictObject({
  state: Type.Optional(StringEnum(JOB_STATES)),
  task: Type.Optional(Task),
  q: Type.Optional(JobSearch),
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
  ...PageQueryProps,
});
export type ListJobsQuery = Static<typeof ListJobsQuery>;

/** The states a bulk action applies to: running jobs are a worker's, and graphile-worker skips them. */
export const BULK_JOB_STATES = ['failed', 'queued', 'scheduled'] as const;
export type BulkJobState = (typeof BULK_JOB_STATES)[number];

/** The filtered set of a bulk action (retry or cancel). */
export const BulkJobsProps = {
  task: Type.Optional(Task),
  state: Type.Optional(StringEnum(BULK_JOB_STATES, { default: 'failed' })),
  q: Type.Optional(JobSearch),
  maxId: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,18}$',
      description:
        'Only jobs with an id at or below this one (the `maxId` of the count shown to the operator).',
    }),
  ),
};

export const RetryJobsInput = StrictObject(BulkJobsProps);
export type RetryJobsInput = Static<typeof RetryJobsInput>;
