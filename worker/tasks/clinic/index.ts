import type { TaskGroup } from '../../define-task.js';

export const clinicTasks: TaskGroup = { tasks: [], crontab: [] };
