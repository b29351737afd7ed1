import type { TaskGroup } from '../../define-task.js';

export const reportsTasks: TaskGroup = { tasks: [], crontab: [] };
