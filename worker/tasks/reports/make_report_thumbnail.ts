import { makeReportThumbnail } from '../../../domain/reports/make-report-thumbnail.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    make_report_thumbnail: { reportId: string };
  }
}

/** Makes a report's thumbnail; a corrupt image is recorded as failed, not retried. */
export const makeReportThumbnailTask = defineTask(
  'make_report_thumbnail',
  {
    type: 'object',
    required: ['reportId'],
    properties: { reportId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ reportId }, helpers) => {
    const outcome = await makeReportThumbnail(reportId);
    services().logger.info(
      { task: 'make_report_thumbnail', jobId: helpers.job.id, reportId, outcome },
      'report thumbnail',
    );
  },
);
