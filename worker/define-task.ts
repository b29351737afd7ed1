import type { JobHelpers, Task } from 'graphile-worker';
import type { JSONSchemaType } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { TaskName, TaskPayloads } from '../db/jobs.js';
import { services } from '../lib/services.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

/** A task as the task list holds it: identifier plus graphile-worker function. */
export interface TaskDefinition {
  name: TaskName;
  run: Task;
}

/**
 * Declares a task with a JSON Schema for its payload. A payload that does not match (an old job
 * shape, a hand-queued job) is logged and dropped instead of failing 25 times.
 */
export function defineTask<T extends TaskName>(
  name: T,
  schema: object,
  handler: (payload: TaskPayloads[T], helpers: JobHelpers) => Promise<void>,
): TaskDefinition {
  const validate = ajv.compile(schema as JSONSchemaType<TaskPayloads[T]>);
  return {
    name,
    run: async (payload, helpers) => {
      if (!validate(payload)) {
        services().logger.error(
          {
            task: name,
            jobId: helpers.job.id,
            errors: validate.errors?.map((e) => `${e.instancePath} ${e.message}`),
          },
          'dropping job with an invalid payload',
        );
        return;
      }
      await handler(payload as TaskPayloads[T], helpers);
    },
  };
}

/** A crontab line for graphile-worker (`* * * * * task_name ?opts`), kept next to its area. */
export type CronLine = string;

/** What each area contributes to the worker. */
export interface TaskGroup {
  tasks: TaskDefinition[];
  crontab: CronLine[];
}
