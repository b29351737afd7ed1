import type { TaskGroup } from '../../define-task.js';
import { cleanupAuthRecordsTask } from './cleanup_auth_records.js';
import { resendVerificationTask } from './resend_verification.js';
import { sendPasswordResetOtpTask } from './send_password_reset_otp.js';
import { sendVerificationEmailTask } from './send_verification_email.js';
import { startPasswordResetTask } from './start_password_reset.js';

export const authTasks: TaskGroup = {
  tasks: [
    sendVerificationEmailTask,
    sendPasswordResetOtpTask,
    cleanupAuthRecordsTask,
    startPasswordResetTask,
    resendVerificationTask,
  ],
  crontab: ['17 * * * * cleanup_auth_records ?max=1'],
};
