import { db } from '../../../db/knex.js';
import { pruneJobHistory } from '../../../domain/jobs/history.js';
import { services } from '../../../lib/services.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      prune_job_history: Static<typeof CronPayload>;
    }
  }
}

/** Daily: deletes job history older than JOB_HISTORY_DAYS (safe to run any number of times). */
export const pruneJobHistoryTask = defineTask('prune_job_history', CronPayload, async () => {
  const { config, logger } = services();
  const removed = await pruneJobHistory(db(), config.jobHistoryDays);
  if (removed) logger.info({ removed, days: config.jobHistoryDays }, 'pruned job history');
});
