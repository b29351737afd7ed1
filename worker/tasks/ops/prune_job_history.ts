import { db } from '../../../db/knex.js';
import { pruneJobHistory } from '../../../domain/jobs/history.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    /** Cron payload only (`_cron`); the retention comes from JOB_HISTORY_DAYS. */
    prune_job_history: Record<string, unknown>;
  }
}

/** Daily: deletes job history older than JOB_HISTORY_DAYS (safe to run any number of times). */
export const pruneJobHistoryTask = defineTask('prune_job_history', { type: 'object' }, async () => {
  const { config, logger } = services();
  const removed = await pruneJobHistory(db(), config.jobHistoryDays);
  if (removed) logger.info({ removed, days: config.jobHistoryDays }, 'pruned job history');
});
