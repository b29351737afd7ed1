import type { TaskGroup } from '../../define-task.js';
import { sendEmail } from './send_email.js';

export const coreTasks: TaskGroup = { tasks: [sendEmail], crontab: [] };
