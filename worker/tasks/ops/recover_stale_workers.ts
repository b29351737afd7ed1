import { db } from '../../../db/knex.js';
import { recoverStaleWorkers } from '../../../domain/jobs/heartbeats.js';
import { services } from '../../../lib/services.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      recover_stale_workers: Static<typeof CronPayload>;
    }
  }
}

/**
 * Every minute: unlocks the jobs of worker processes whose heartbeat is older than
 * WORKER_STALE_SECONDS, so a SIGKILLed worker's jobs run again within minutes instead of
 * graphile-worker's 4 hours. Running it twice unlocks nothing the second time.
 */
export const recoverStaleWorkersTask = defineTask('recover_stale_workers', CronPayload, async () => {
  const { config, logger } = services();
  const recovered = await recoverStaleWorkers(db(), config.workerStaleSeconds);
  for (const w of recovered) {
    logger.warn(
      { workerId: w.workerId, lastSeen: w.lastSeen, jobIds: w.jobIds },
      'unlocked the jobs of a stale worker',
    );
  }
});
