import type { TaskGroup } from '../../define-task.js';
import { cleanupAuthRecords } from './cleanup_auth_records.js';
import { sendPasswordResetOtp } from './send_password_reset_otp.js';
import { sendVerificationEmail } from './send_verification_email.js';

export const authTasks: TaskGroup = {
  tasks: [sendVerificationEmail, sendPasswordResetOtp, cleanupAuthRecords],
  crontab: ['17 * * * * cleanup_auth_records ?max=1'],
};
