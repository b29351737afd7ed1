import type { TaskGroup } from '../../define-task.js';

export const opsTasks: TaskGroup = { tasks: [], crontab: [] };
