import { makeReportThumbnail } from '../../../domain/reports/make-report-thumbnail.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const MakeReportThumbnailPayload = Type.Object({ reportId: Uuid });
export type MakeReportThumbnailPayload = Static<typeof MakeReportThumbnailPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      make_report_thumbnail: Static<typeof MakeReportThumbnailPayload>;
    }
  }
}

/** Makes a report's thumbnail; a corrupt image is recorded as failed, not retried. */
export const makeReportThumbnailTask = defineTask(
  'make_report_thumbnail',
  MakeReportThumbnailPayload,
  async ({ reportId }, helpers) => {
    const outcome = await makeReportThumbnail(reportId);
    services().logger.info(
      { task: 'make_report_thumbnail', jobId: helpers.job.id, reportId, outcome },
      'report thumbnail',
    );
  },
);
