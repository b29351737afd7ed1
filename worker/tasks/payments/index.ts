import type { TaskGroup } from '../../define-task.js';

export const paymentsTasks: TaskGroup = { tasks: [], crontab: [] };
