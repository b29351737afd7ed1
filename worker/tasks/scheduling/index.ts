import type { TaskGroup } from '../../define-task.js';

export const schedulingTasks: TaskGroup = { tasks: [], crontab: [] };
