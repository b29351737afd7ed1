import { errorSpec } from '../../../lib/errors.js';
import { cancelJob } from '../../../domain/jobs/cancel-job.js';
import { getJob } from '../../../domain/jobs/get-job.js';
import { jobStats } from '../../../domain/jobs/job-stats.js';
import { apiOperator } from '../../../domain/jobs/job-operator.js';
import { listJobs } from '../../../domain/jobs/list-jobs.js';
import { retryJob } from '../../../domain/jobs/retry-job.js';
import { retryJobs } from '../../../domain/jobs/retry-jobs.js';
import { services } from '../../../lib/services.js';
import { ListOf, StrictObject, Type } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import { Job, JobDetail, JobIdParams, JobStats, RetryJobsResult } from './schemas.js';
import { CancelJobInput, ListJobsQuery, RetryJobsInput } from '../../../domain/jobs/schemas.js';

/** Jobs admin (admins and super-admins): see, retry and cancel graphile-worker jobs; every action is audited. */
export const adminJobsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/admin/jobs',
    operationId: 'listJobs',
    summary: 'List jobs by state, task and creation time, newest first',
    tags: ['jobs admin'],
    access: ['admin'],
    query: ListJobsQuery,
    response: ListOf(Job),
    handler: (ctx) => listJobs(ctx.state.query),
  }),
  route({
    method: 'GET',
    path: '/admin/jobs/stats',
    operationId: 'getJobStats',
    summary: 'Counts per task and state, oldest queued age, outcomes of the last hour',
    tags: ['jobs admin'],
    access: ['admin'],
    response: JobStats,
    handler: () => jobStats(undefined, services().config.workerStaleSeconds),
  }),
  route({
    method: 'GET',
    path: '/admin/jobs/:id',
    operationId: 'getJob',
    summary: 'One job: attempts, run at, last error, lock, redacted payload and recent runs',
    tags: ['jobs admin'],
    access: ['admin'],
    params: JobIdParams,
    response: JobDetail,
    handler: (ctx) => getJob(ctx.state.params.id),
  }),
  route({
    method: 'POST',
    path: '/admin/jobs/:id/retry',
    errors: [errorSpec(409, 'invalid_transition', 'Not allowed from the current status')],
    operationId: 'retryJob',
    summary: 'Run a job now with its attempts reset (409 while it is running)',
    tags: ['jobs admin'],
    access: ['admin'],
    params: JobIdParams,
    response: Job,
    handler: (ctx) => retryJob(apiOperator(ctx.state.actor), ctx.state.params.id),
  }),
  route({
    method: 'POST',
    path: '/admin/jobs/:id/cancel',
    errors: [errorSpec(409, 'invalid_transition', 'Not allowed from the current status')],
    operationId: 'cancelJob',
    summary: 'Permanently fail (default) or remove a job (409 while it is running)',
    tags: ['jobs admin'],
    access: ['admin'],
    params: JobIdParams,
    body: CancelJobInput,
    response: Type.Composite([Job, StrictObject({ removed: Type.Optional(Type.Boolean()) })], {
      additionalProperties: false,
    }),
    handler: (ctx) => cancelJob(apiOperator(ctx.state.actor), ctx.state.params.id, ctx.state.body.mode),
  }),
  route({
    method: 'POST',
    path: '/admin/jobs/retry',
    operationId: 'retryJobs',
    summary: 'Retry every job of a state (default failed), optionally of one task',
    tags: ['jobs admin'],
    access: ['admin'],
    body: RetryJobsInput,
    response: RetryJobsResult,
    handler: (ctx) => retryJobs(apiOperator(ctx.state.actor), ctx.state.body),
  }),
]);
