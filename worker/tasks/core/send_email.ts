import { deliverEmail } from '../../../domain/email/deliver.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static } from '../../../lib/schema.js';

export const SendEmailPayload = Type.Object({
  ledgerKey: Type.String({ minLength: 1 }),
  template: Type.String({ pattern: '^[a-z0-9_]+$' }),
  to: Type.String({ minLength: 3 }),
  /** Non-secret values for the template; secrets (OTPs, tokens) are made inside dedicated tasks. */
  vars: Type.Record(Type.String(), Type.Unknown()),
});
export type SendEmailPayload = Static<typeof SendEmailPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_email: Static<typeof SendEmailPayload>;
    }
  }
}

/** Sends one templated email; the ledger makes a retry after a successful send a no-op. */
export const sendEmailTask = defineTask('send_email', SendEmailPayload, async (payload) => {
  await deliverEmail(payload);
});
