import { deliverEmail } from '../../../domain/email/deliver.js';
import { defineTask } from '../../define-task.js';

export interface SendEmailPayload {
  ledgerKey: string;
  template: string;
  to: string;
  /** Non-secret values for the template; secrets (OTPs, tokens) are made inside dedicated tasks. */
  vars: Record<string, unknown>;
}

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    send_email: SendEmailPayload;
  }
}

/** Sends one templated email; the ledger makes a retry after a successful send a no-op. */
export const sendEmail = defineTask(
  'send_email',
  {
    type: 'object',
    required: ['ledgerKey', 'template', 'to', 'vars'],
    properties: {
      ledgerKey: { type: 'string', minLength: 1 },
      template: { type: 'string', pattern: '^[a-z0-9_]+$' },
      to: { type: 'string', minLength: 3 },
      vars: { type: 'object' },
    },
  },
  async (payload) => {
    await deliverEmail(payload);
  },
);
