import type { TaskGroup } from '../../define-task.js';
import { notifyUnreadMessage } from './notify_unread_message.js';

/** Telehealth: the delayed "a message is waiting" email. */
export const telehealthTasks: TaskGroup = { tasks: [notifyUnreadMessage], crontab: [] };
