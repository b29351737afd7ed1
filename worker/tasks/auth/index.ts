import type { TaskGroup } from '../../define-task.js';
import { cleanupAuthRecordsTask } from './cleanup_auth_records.js';
import { sendPasswordResetOtpTask } from './send_password_reset_otp.js';
import { sendVerificationEmailTask } from './send_verification_email.js';

export const authTasks: TaskGroup = {
  tasks: [sendVerificationEmailTask, sendPasswordResetOtpTask, cleanupAuthRecordsTask],
  crontab: ['17 * * * * cleanup_auth_records ?max=1'],
};
