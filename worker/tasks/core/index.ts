import type { TaskGroup } from '../../define-task.js';
import { sendEmailTask } from './send_email.js';

export const coreTasks: TaskGroup = { tasks: [sendEmailTask], crontab: [] };
