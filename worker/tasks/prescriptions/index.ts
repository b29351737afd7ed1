import type { TaskGroup } from '../../define-task.js';

export const prescriptionsTasks: TaskGroup = { tasks: [], crontab: [] };
