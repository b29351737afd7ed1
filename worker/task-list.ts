import type { TaskList } from 'graphile-worker';
import type { TaskGroup } from './define-task.js';
import { authTasks } from './tasks/auth/index.js';
import { billingTasks } from './tasks/billing/index.js';
import { clinicTasks } from './tasks/clinic/index.js';
import { coreTasks } from './tasks/core/index.js';
import { inventoryTasks } from './tasks/inventory/index.js';
import { opsTasks } from './tasks/ops/index.js';
import { paymentsTasks } from './tasks/payments/index.js';
import { prescriptionsTasks } from './tasks/prescriptions/index.js';
import { reportsTasks } from './tasks/reports/index.js';
import { schedulingTasks } from './tasks/scheduling/index.js';
import { telehealthTasks } from './tasks/telehealth/index.js';

/** Every area's tasks and cron lines; one task per file under worker/tasks/<area>/. */
export const taskGroups: TaskGroup[] = [
  coreTasks,
  authTasks,
  clinicTasks,
  schedulingTasks,
  paymentsTasks,
  reportsTasks,
  prescriptionsTasks,
  inventoryTasks,
  opsTasks,
  telehealthTasks,
  billingTasks,
];

/** The graphile-worker task list, keyed by task identifier. */
export function buildTaskList(): TaskList {
  const list: TaskList = {};
  for (const group of taskGroups) {
    for (const t of group.tasks) {
      if (list[t.name]) throw new Error(`task ${t.name} is defined twice`);
      list[t.name] = t.run;
    }
  }
  return list;
}

/** The crontab of every area, one line per schedule. */
export function buildCrontab(): string {
  return taskGroups.flatMap((g) => g.crontab).join('\n');
}
