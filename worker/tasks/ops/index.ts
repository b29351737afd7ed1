import type { TaskGroup } from '../../define-task.js';
import { pruneJobHistoryTask } from './prune_job_history.js';
import { recoverStaleWorkersTask } from './recover_stale_workers.js';

/** Operations: crash recovery every minute (one attempt; the next minute retries), history retention nightly. */
export const opsTasks: TaskGroup = {
  tasks: [recoverStaleWorkersTask, pruneJobHistoryTask],
  crontab: ['* * * * * recover_stale_workers ?max=1', '17 3 * * * prune_job_history ?max=3'],
};
