import type { TaskGroup } from '../../define-task.js';
import { cleanupAuthRecords } from './cleanup_auth_records.js';
import { resendVerificationTask } from './resend_verification.js';
import { sendPasswordResetOtp } from './send_password_reset_otp.js';
import { sendVerificationEmail } from './send_verification_email.js';
import { startPasswordResetTask } from './start_password_reset.js';

export const authTasks: TaskGroup = {
  tasks: [
    sendVerificationEmail,
    sendPasswordResetOtp,
    cleanupAuthRecords,
    startPasswordResetTask,
    resendVerificationTask,
  ],
  crontab: ['17 * * * * cleanup_auth_records ?max=1'],
};
