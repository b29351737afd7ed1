import path from 'node:path';
import { cancelJobs, countJobs } from '../../../domain/jobs/cancel-jobs.js';
import { jobDashboard } from '../../../domain/jobs/dashboard.js';
import { apiOperator } from '../../../domain/jobs/job-operator.js';
import { describeCrontab, scheduledJobsDue } from '../../../domain/jobs/schedules.js';
import { AppError, errorSpec, NotFoundError } from '../../../lib/errors.js';
import { listOutbox, readOutboxAttachment, readOutboxEmail, readOutboxHtml } from '../../../lib/outbox.js';
import { services } from '../../../lib/services.js';
import { StrictObject, StringEnum, Type } from '../../../lib/schema.js';
import { defineRoutes, route, type RouteDef } from '../../route.js';
import {
  CancelJobsInput,
  CancelJobsResult,
  CountJobsQuery,
  CountJobsResult,
  Dashboard,
  OutboxAttachmentParams,
  OutboxEmail,
  OutboxIdParams,
  OutboxList,
  OutboxListQuery,
  Schedules,
  SchedulesQuery,
  ShellQuery,
  VerifyEmailPageQuery,
} from './schemas.js';
import { CONSOLE_ASSETS, EMAIL_CSP, sendStatic, setConsoleHeaders } from './static.js';

/**
 * The development inbox exists only where emails go to `<DATA_DIR>/outbox`: no SMTP_URL, and never
 * in production. Elsewhere its routes answer 404 `outbox_disabled`.
 */
function outboxDir(): string {
  const { config } = services();
  if (config.smtpUrl || config.nodeEnv === 'production')
    throw new AppError(
      404,
      'outbox_disabled',
      'The development inbox exists only without SMTP_URL and outside production.',
    );
  return path.join(config.dataDir, 'outbox');
}

const outboxDisabled = errorSpec(
  404,
  'outbox_disabled',
  'The development inbox exists only without SMTP_URL and outside production',
);

/** Pages of the console: one HTML shell; the script draws the page the path names. */
const SHELL_PAGES: [path: string, operationId: string][] = [
  ['/console', 'getConsoleDashboardPage'],
  ['/console/jobs', 'getConsoleJobsPage'],
  ['/console/jobs/:id', 'getConsoleJobPage'],
  ['/console/schedules', 'getConsoleSchedulesPage'],
  ['/console/outbox', 'getConsoleOutboxPage'],
  ['/console/outbox/:id', 'getConsoleOutboxEmailPage'],
];

const shellRoutes: RouteDef[] = SHELL_PAGES.map(([p, operationId]) =>
  route({
    method: 'GET',
    path: p,
    unprefixed: true,
    operationId,
    summary: 'Operator console page (HTML; sign-in and data through the JSON API)',
    tags: ['console'],
    access: 'public',
    params: p.includes(':id')
      ? StrictObject({ id: Type.String({ pattern: '^[A-Za-z0-9@._-]{1,200}$' }) })
      : undefined,
    query: ShellQuery,
    responseContentType: 'text/html',
    handler: (ctx) => sendStatic(ctx, 'console.html'),
  }),
);

/**
 * The operator console: HTML and static assets served by the web process, and the JSON it needs
 * beyond the jobs-admin routes (dashboard, schedules, bulk cancel with its count, development inbox).
 */
export const consoleRoutes = defineRoutes([
  ...shellRoutes,
  route({
    method: 'GET',
    path: '/console/assets/:asset',
    unprefixed: true,
    operationId: 'getConsoleAsset',
    summary: 'Script and style sheet of the operator console',
    tags: ['console'],
    access: 'public',
    params: StrictObject({ asset: StringEnum(CONSOLE_ASSETS) }),
    responseContentType: 'application/octet-stream',
    handler: (ctx) => sendStatic(ctx, ctx.state.params.asset),
  }),
  route({
    method: 'GET',
    path: '/verify-email',
    unprefixed: true,
    operationId: 'getVerifyEmailPage',
    summary: 'Page behind the link of the verification email: confirms the token with one click',
    tags: ['console'],
    access: 'public',
    query: VerifyEmailPageQuery,
    responseContentType: 'text/html',
    handler: (ctx) => sendStatic(ctx, 'verify-email.html'),
  }),
  route({
    method: 'GET',
    path: '/admin/console/dashboard',
    operationId: 'getJobDashboard',
    summary: 'Counts, runs per minute (last hour and day), worker pools and recent failures',
    tags: ['console'],
    access: ['admin'],
    response: Dashboard,
    handler: () => jobDashboard(services().config.workerStaleSeconds),
  }),
  route({
    method: 'GET',
    path: '/admin/console/schedules',
    operationId: 'getJobSchedules',
    summary: 'The crontab with next run times, and scheduled jobs due soon grouped by task',
    tags: ['console'],
    access: ['admin'],
    query: SchedulesQuery,
    response: Schedules,
    handler: async (ctx) => {
      const withinMinutes = ctx.state.query.withinMinutes;
      const [crontab, dueSoon] = await Promise.all([
        describeCrontab(services().crontab ?? ''),
        scheduledJobsDue(withinMinutes),
      ]);
      return { withinMinutes, crontab, dueSoon };
    },
  }),
  route({
    method: 'GET',
    path: '/admin/jobs/count',
    operationId: 'countJobs',
    summary: 'How many jobs a bulk retry or cancel with this filter would touch (for its confirmation)',
    tags: ['jobs admin'],
    access: ['admin'],
    query: CountJobsQuery,
    response: CountJobsResult,
    handler: (ctx) => countJobs(ctx.state.query),
  }),
  route({
    method: 'POST',
    path: '/admin/jobs/cancel',
    operationId: 'cancelJobs',
    summary: 'Permanently fail every job of a filtered set (default: failed ones), audited once',
    tags: ['jobs admin'],
    access: ['admin'],
    body: CancelJobsInput,
    response: CancelJobsResult,
    handler: (ctx) => cancelJobs(apiOperator(ctx.state.actor), ctx.state.body),
  }),
  route({
    method: 'GET',
    path: '/outbox',
    operationId: 'listOutbox',
    summary: 'Development inbox: emails written to the local outbox, newest first (404 when SMTP is set)',
    tags: ['console'],
    access: 'public',
    query: OutboxListQuery,
    response: OutboxList,
    errors: [outboxDisabled],
    handler: (ctx) =>
      listOutbox(outboxDir(), {
        limit: ctx.state.query.limit,
        before: ctx.state.query.cursor,
      }),
  }),
  route({
    method: 'GET',
    path: '/outbox/:id',
    operationId: 'getOutboxEmail',
    summary: 'Development inbox: one email decoded (text, links, codes, attachments)',
    tags: ['console'],
    access: 'public',
    params: OutboxIdParams,
    response: OutboxEmail,
    errors: [outboxDisabled],
    handler: async (ctx) => {
      const email = await readOutboxEmail(outboxDir(), ctx.state.params.id);
      if (!email) throw new NotFoundError('email');
      return email;
    },
  }),
  route({
    method: 'GET',
    path: '/console/outbox/:id/html',
    unprefixed: true,
    operationId: 'getOutboxEmailHtml',
    summary: 'Development inbox: the HTML part of an email, under a policy that forbids scripts',
    tags: ['console'],
    access: 'public',
    params: OutboxIdParams,
    errors: [outboxDisabled],
    responseContentType: 'text/html',
    handler: async (ctx) => {
      const html = await readOutboxHtml(outboxDir(), ctx.state.params.id);
      if (html === undefined) throw new NotFoundError('email');
      setConsoleHeaders(ctx, EMAIL_CSP);
      ctx.type = 'html';
      // Links open in a new tab rather than inside the console's frame.
      ctx.body = /<head[^>]*>/i.test(html)
        ? html.replace(/<head([^>]*)>/i, '<head$1><base target="_blank">')
        : `<base target="_blank">${html}`;
    },
  }),
  route({
    method: 'GET',
    path: '/console/outbox/:id/attachments/:index',
    unprefixed: true,
    operationId: 'getOutboxAttachment',
    summary: 'Development inbox: one attachment of an email, as a download',
    tags: ['console'],
    access: 'public',
    params: OutboxAttachmentParams,
    errors: [outboxDisabled],
    responseContentType: 'application/octet-stream',
    handler: async (ctx) => {
      const a = await readOutboxAttachment(outboxDir(), ctx.state.params.id, ctx.state.params.index);
      if (!a) throw new NotFoundError('attachment');
      setConsoleHeaders(ctx, "default-src 'none'; sandbox");
      ctx.type = a.contentType;
      ctx.attachment(a.filename);
      ctx.body = a.content;
    },
  }),
]);
