import { errorSpec, storageUnavailable } from '../../../lib/errors.js';
import { openAvatar } from '../../../domain/avatars/open-avatar.js';
import { uploadAvatar } from '../../../domain/avatars/upload-avatar.js';
import { deleteReport } from '../../../domain/reports/delete-report.js';
import { getReport } from '../../../domain/reports/get-report.js';
import { listReports } from '../../../domain/reports/list-reports.js';
import {
  openReportFile,
  openReportThumbnail,
  type ReportDownload,
} from '../../../domain/reports/open-report-file.js';
import { uploadReport } from '../../../domain/reports/upload-report.js';
import { contentDisposition } from '../../../lib/storage.js';
import type { AppContext } from '../../route.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { presentReport } from './present.js';
import { AvatarStatus, Report, ReportList, avatarUploadContent, reportUploadContent } from './schemas.js';
import { GetAvatarQuery, ListReportsQuery } from '../../../domain/reports/schemas.js';

const tags = ['reports'];
const everyone = ['patient', 'doctor', 'nurse', 'staff', 'admin'] as const;

/**
 * Sends a download: the bytes with headers that make browsers save rather than render them, or a
 * redirect to a short-lived signed URL.
 */
function send(ctx: AppContext, download: ReportDownload): void {
  ctx.set('Cache-Control', 'private, no-store');
  if (download.kind === 'redirect') {
    ctx.status = 302;
    ctx.redirect(download.url);
    return;
  }
  ctx.status = 200;
  ctx.set('Content-Type', download.contentType);
  ctx.set('Content-Disposition', contentDisposition(download.filename));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
  if (download.placeholder) ctx.set('X-Thumbnail-Status', download.placeholder);
  ctx.body = download.body;
  if (download.size !== undefined) ctx.length = download.size;
}

/** Reports (lab results, imaging, scans) and profile pictures: uploads, metadata, downloads. */
export const reportsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/patients/:id/reports',
    errors: [
      errorSpec(413, 'payload_too_large', 'The upload is larger than allowed'),
      errorSpec(
        413,
        'quota_exceeded',
        'The upload would exceed the storage quota of the patient (UPLOAD_QUOTA_MB)',
      ),
      errorSpec(415, 'unsupported_media_type', 'The file type (by content) is not accepted'),
      errorSpec(429, 'rate_limited', 'Too many uploads this hour (UPLOAD_RATE_LIMIT_PER_HOUR)'),
      storageUnavailable,
    ],
    operationId: 'uploadReport',
    summary: 'Upload a report for a patient (multipart: file, title, kind); the type is checked by content',
    tags,
    access: ['patient', 'doctor', 'nurse', 'staff'],
    status: 201,
    params: IdParams,
    bodyType: 'none',
    requestContent: reportUploadContent,
    response: Report,
    handler: async (ctx) => presentReport(await uploadReport(ctx.state.actor, ctx.state.params.id, ctx.req)),
  }),
  route({
    method: 'GET',
    path: '/patients/:id/reports',
    operationId: 'listReports',
    summary: "List a patient's reports, newest first",
    tags,
    access: everyone,
    params: IdParams,
    query: ListReportsQuery,
    response: ReportList,
    handler: async (ctx) => {
      const page = await listReports(ctx.state.actor, ctx.state.params.id, ctx.state.query);
      return { items: page.items.map(presentReport), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/reports/:id',
    operationId: 'getReport',
    summary: "Get a report's metadata, including its thumbnail state",
    tags,
    access: everyone,
    params: IdParams,
    response: Report,
    handler: async (ctx) => presentReport(await getReport(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'GET',
    path: '/reports/:id/file',
    errors: [
      errorSpec(302, 'redirect', 'Files in S3: a redirect to a short-lived presigned URL (Location header)'),
      storageUnavailable,
    ],
    operationId: 'downloadReport',
    summary: "Download a report's file (as an attachment; S3 storage answers 302 to a 60-second signed URL)",
    tags,
    access: everyone,
    params: IdParams,
    responseContentType: 'application/octet-stream',
    handler: async (ctx) => send(ctx, await openReportFile(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'GET',
    path: '/reports/:id/thumbnail',
    errors: [storageUnavailable],
    operationId: 'downloadReportThumbnail',
    summary:
      "Download a report's thumbnail (WebP, at most 320 px); a placeholder until one exists or when rendering failed",
    tags,
    access: everyone,
    params: IdParams,
    responseContentType: 'image/webp',
    handler: async (ctx) => send(ctx, await openReportThumbnail(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'DELETE',
    path: '/reports/:id',
    operationId: 'deleteReport',
    summary: 'Delete a report (its uploader or an admin); the stored file is removed by a job',
    tags,
    access: everyone,
    status: 204,
    params: IdParams,
    handler: async (ctx) => {
      await deleteReport(ctx.state.actor, ctx.state.params.id);
    },
  }),
  route({
    method: 'PUT',
    path: '/users/me/avatar',
    errors: [
      errorSpec(413, 'payload_too_large', 'The upload is larger than allowed'),
      errorSpec(415, 'unsupported_media_type', 'The file type (by content) is not accepted'),
      errorSpec(429, 'rate_limited', 'Too many uploads this hour (UPLOAD_RATE_LIMIT_PER_HOUR)'),
      storageUnavailable,
    ],
    operationId: 'uploadAvatar',
    summary: 'Upload a profile picture (multipart image); a job resizes it and sets avatarUrl',
    tags: ['users'],
    access: 'authenticated',
    status: 202,
    bodyType: 'none',
    requestContent: avatarUploadContent,
    response: AvatarStatus,
    handler: async (ctx) => uploadAvatar(ctx.state.actor, ctx.req),
  }),
  route({
    method: 'GET',
    path: '/users/:id/avatar',
    errors: [storageUnavailable],
    operationId: 'getAvatar',
    summary: "A user's avatar (256 × 256 WebP), the target of their avatarUrl",
    tags: ['users'],
    access: 'authenticated',
    params: IdParams,
    query: GetAvatarQuery,
    responseContentType: 'image/webp',
    handler: async (ctx) => {
      const body = await openAvatar(ctx.state.actor, ctx.state.params.id);
      ctx.status = 200;
      ctx.set('Content-Type', 'image/webp');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Cache-Control', 'private, max-age=86400');
      ctx.body = body;
    },
  }),
]);
