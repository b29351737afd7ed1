import type { Knex } from 'knex';
import type { ReminderRow } from '../reminder.js';
import { emailChannel } from './email.js';
import { inAppChannel } from './in-app.js';

/** Who a reminder goes to: the patient, through their account when they have one. */
export interface ReminderRecipient {
  patientId: string;
  name: string;
  /** The account's address, else the walk-in profile's; undefined when neither exists. */
  email?: string;
  /** The patient's user; walk-in patients without an account have none (no in-app delivery). */
  userId?: string;
  /** IANA zone the due time is shown in. */
  timeZone: string;
}

/**
 * One way of delivering a reminder. Adding SMS or WhatsApp is one file implementing this and one
 * line in {@link REMINDER_CHANNELS}.
 *
 * `deliver` must be idempotent per reminder (a retried job calls it again) and should skip
 * silently when the recipient cannot be reached on this channel (no phone, no account).
 * `trx` holds the reminder's row lock and commits together with its `sent` status: channels that
 * write rows should write them there.
 */
export interface ReminderChannel {
  name: string;
  deliver(reminder: ReminderRow, recipient: ReminderRecipient, trx: Knex.Transaction): Promise<void>;
}

/** Every channel, keyed by name; the API accepts exactly these names in `channels`. */
export const REMINDER_CHANNELS: Record<string, ReminderChannel> = Object.fromEntries(
  [emailChannel, inAppChannel].map((c) => [c.name, c]),
);

export const DEFAULT_REMINDER_CHANNELS = ['email', 'in_app'];
