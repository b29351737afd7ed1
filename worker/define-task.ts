import type { JobHelpers, Task } from 'graphile-worker';
import type { TaskName, TaskPayloads } from '../db/jobs.js';
import { describeErrors, exactAjv } from '../lib/ajv.js';
import { type TSchema, Type } from '../lib/schema.js';
import { services } from '../lib/services.js';

/** A task as the task list holds it: identifier plus graphile-worker function. */
export interface TaskDefinition {
  name: TaskName;
  run: Task;
}

/**
 * Declares a task with its payload schema — the same TypeBox schema whose static type is merged
 * into `GraphileWorker.Tasks`, so the schema cannot disagree with what `addJob` accepts. A payload
 * that does not match (an old job shape, a hand-queued job) is logged and dropped instead of
 * failing 25 times.
 */
export function defineTask<T extends TaskName>(
  name: T,
  schema: TSchema & { static: TaskPayloads[T] },
  handler: (payload: TaskPayloads[T], helpers: JobHelpers) => Promise<void>,
): TaskDefinition {
  const validate = exactAjv.compile<TaskPayloads[T]>(schema);
  return {
    name,
    run: async (payload, helpers) => {
      if (!validate(payload)) {
        services().logger.error(
          { task: name, jobId: helpers.job.id, errors: describeErrors('', validate.errors) },
          'dropping job with an invalid payload',
        );
        return;
      }
      await handler(payload, helpers);
    },
  };
}

/** Payload of a task only cron queues: graphile-worker adds `_cron` ({ts, backfilled}); nothing else is read. */
export const CronPayload = Type.Object({});

/** A crontab line for graphile-worker (`* * * * * task_name ?opts`), kept next to its area. */
export type CronLine = string;

/** What each area contributes to the worker. */
export interface TaskGroup {
  tasks: TaskDefinition[];
  crontab: CronLine[];
}
