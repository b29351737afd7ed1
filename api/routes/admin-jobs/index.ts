import { cancelJob, type CancelMode } from '../../../domain/jobs/cancel-job.js';
import { getJob } from '../../../domain/jobs/get-job.js';
import { jobStats } from '../../../domain/jobs/job-stats.js';
import { apiOperator } from '../../../domain/jobs/job-operator.js';
import { listJobs, type ListJobsInput } from '../../../domain/jobs/list-jobs.js';
import { retryJob } from '../../../domain/jobs/retry-job.js';
import { retryJobs, type RetryJobsInput } from '../../../domain/jobs/retry-jobs.js';
import { services } from '../../../lib/services.js';
import { defineRoutes, type AppContext } from '../../route.js';
import { listOf } from '../../schemas.js';
import {
  cancelJobBody,
  jobDetailSchema,
  jobIdParams,
  jobSchema,
  jobStatsSchema,
  listJobsQuery,
  retryJobsBody,
  retryJobsResult,
} from './schemas.js';

const id = (ctx: AppContext) => (ctx.state.params as { id: string }).id;

/** Jobs admin (admins and super-admins): see, retry and cancel graphile-worker jobs; every action is audited. */
export const adminJobsRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/admin/jobs',
    operationId: 'listJobs',
    summary: 'List jobs by state, task and creation time, newest first',
    tags: ['jobs admin'],
    access: ['admin'],
    query: listJobsQuery,
    response: listOf(jobSchema),
    handler: (ctx) => listJobs(ctx.state.query as unknown as ListJobsInput),
  },
  {
    method: 'GET',
    path: '/admin/jobs/stats',
    operationId: 'getJobStats',
    summary: 'Counts per task and state, oldest queued age, outcomes of the last hour',
    tags: ['jobs admin'],
    access: ['admin'],
    response: jobStatsSchema,
    handler: () => jobStats(undefined, services().config.workerStaleSeconds),
  },
  {
    method: 'GET',
    path: '/admin/jobs/:id',
    operationId: 'getJob',
    summary: 'One job: attempts, run at, last error, lock, redacted payload and recent runs',
    tags: ['jobs admin'],
    access: ['admin'],
    params: jobIdParams,
    response: jobDetailSchema,
    handler: (ctx) => getJob(id(ctx)),
  },
  {
    method: 'POST',
    path: '/admin/jobs/:id/retry',
    operationId: 'retryJob',
    summary: 'Run a job now with its attempts reset (409 while it is running)',
    tags: ['jobs admin'],
    access: ['admin'],
    params: jobIdParams,
    response: jobSchema,
    handler: (ctx) => retryJob(apiOperator(ctx.state.actor!), id(ctx)),
  },
  {
    method: 'POST',
    path: '/admin/jobs/:id/cancel',
    operationId: 'cancelJob',
    summary: 'Permanently fail (default) or remove a job (409 while it is running)',
    tags: ['jobs admin'],
    access: ['admin'],
    params: jobIdParams,
    body: cancelJobBody,
    response: {
      ...jobSchema,
      properties: { ...(jobSchema.properties as object), removed: { type: 'boolean' } },
    },
    handler: (ctx) =>
      cancelJob(apiOperator(ctx.state.actor!), id(ctx), (ctx.state.body as { mode: CancelMode }).mode),
  },
  {
    method: 'POST',
    path: '/admin/jobs/retry',
    operationId: 'retryJobs',
    summary: 'Retry every job of a state (default failed), optionally of one task',
    tags: ['jobs admin'],
    access: ['admin'],
    body: retryJobsBody,
    response: retryJobsResult,
    handler: (ctx) => retryJobs(apiOperator(ctx.state.actor!), ctx.state.body as RetryJobsInput),
  },
]);
