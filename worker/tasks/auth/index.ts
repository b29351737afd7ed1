import type { TaskGroup } from '../../define-task.js';

export const authTasks: TaskGroup = { tasks: [], crontab: [] };
