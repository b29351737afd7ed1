/**
 * The jobs an appointment change queues, always on the caller's transaction: emails, reminders,
 * the automatic no-show and the unpaid-hold expiry. Every scheduled job has a key, so a reschedule
 * moves it and a cancellation removes it instead of leaving duplicates behind.
 */
import type { Knex } from 'knex';
import { addJob, addJobs, type JobSpec, removeJob, removeJobsByKeyPrefix } from '../../db/jobs.js';
import { services } from '../../lib/services.js';
import type { AppointmentRow } from './appointment.js';
import { Type, type Static, Uuid, StringEnum } from '../../lib/schema.js';

/** Which change an appointment email announces. */
export const APPOINTMENT_EMAIL_EVENTS = [
  'booked',
  'confirmed',
  'rejected',
  'rescheduled',
  'cancelled',
] as const;
export type AppointmentEmailEvent = (typeof APPOINTMENT_EMAIL_EVENTS)[number];
export const APPOINTMENT_EMAIL_RECIPIENTS = ['patient', 'doctor'] as const;
export type AppointmentEmailRecipient = (typeof APPOINTMENT_EMAIL_RECIPIENTS)[number];

export const MarkNoShowPayload = Type.Object({ appointmentId: Uuid, endsAt: Type.String({ minLength: 1 }) });
export type MarkNoShowPayload = Static<typeof MarkNoShowPayload>;

export const ExpireUnpaidAppointmentPayload = Type.Object({ appointmentId: Uuid });
export type ExpireUnpaidAppointmentPayload = Static<typeof ExpireUnpaidAppointmentPayload>;

export const SendAppointmentEmailPayload = Type.Object({
  appointmentId: Uuid,
  event: StringEnum(APPOINTMENT_EMAIL_EVENTS),
  recipient: StringEnum(APPOINTMENT_EMAIL_RECIPIENTS),
  /** The status-history row of the change; reschedules read the old and new time from it. */
  historyId: Type.Integer({ minimum: 1 }),
});
export type SendAppointmentEmailPayload = Static<typeof SendAppointmentEmailPayload>;

export const SendAppointmentReminderPayload = Type.Object({
  appointmentId: Uuid,
  hoursBefore: Type.Integer({ minimum: 1 }),
  /** The start this reminder was scheduled for; a moved appointment makes the job a no-op. */
  startsAt: Type.String({ minLength: 1 }),
});
export type SendAppointmentReminderPayload = Static<typeof SendAppointmentReminderPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      mark_no_show: Static<typeof MarkNoShowPayload>;
      expire_unpaid_appointment: Static<typeof ExpireUnpaidAppointmentPayload>;
      send_appointment_email: Static<typeof SendAppointmentEmailPayload>;
      send_appointment_reminder: Static<typeof SendAppointmentReminderPayload>;
    }
  }
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const reminderKey = (id: string, hours: number): string => `send_appointment_reminder:${id}:${hours}h`;
export const noShowKey = (id: string): string => `mark_no_show:${id}`;
export const expireUnpaidKey = (id: string): string => `expire_unpaid_appointment:${id}`;

/** Queues one email per recipient about `event`; the task renders it from the current rows. */
export async function queueAppointmentEmails(
  trx: Knex,
  appointmentId: string,
  event: AppointmentEmailEvent,
  recipients: AppointmentEmailRecipient[],
  historyId: number,
): Promise<void> {
  await addJobs(trx, appointmentEmailJobs(appointmentId, event, recipients, historyId));
}

/** The `send_appointment_email` jobs of one event, for callers that queue them with other jobs. */
export function appointmentEmailJobs(
  appointmentId: string,
  event: AppointmentEmailEvent,
  recipients: AppointmentEmailRecipient[],
  historyId: number,
): JobSpec[] {
  return recipients.map((recipient) => ({
    task: 'send_appointment_email',
    payload: { appointmentId, event, recipient, historyId },
    maxAttempts: 10,
  }));
}

/**
 * (Re)schedules the reminders and the automatic no-show of a confirmed appointment.
 *
 * Keys are fixed per appointment and reminder offset, so calling this again after a reschedule
 * replaces the jobs (same count, new run times). An offset whose time has already passed gets no
 * job, and its old job (from an earlier start) is removed.
 */
export async function scheduleConfirmedJobs(
  trx: Knex,
  appointment: AppointmentRow,
  now = new Date(),
): Promise<void> {
  const { config } = services();
  const startsAt = appointment.startsAt.toISOString();
  for (const hours of config.appointmentReminderHours) {
    const runAt = new Date(appointment.startsAt.getTime() - hours * HOUR_MS);
    if (runAt.getTime() > now.getTime()) {
      await addJob(
        trx,
        'send_appointment_reminder',
        { appointmentId: appointment.id, hoursBefore: hours, startsAt },
        { runAt, jobKey: reminderKey(appointment.id, hours), maxAttempts: 10 },
      );
    } else {
      await removeJob(trx, reminderKey(appointment.id, hours));
    }
  }
  if (config.autoNoShowMinutes > 0) {
    await addJob(
      trx,
      'mark_no_show',
      { appointmentId: appointment.id, endsAt: appointment.endsAt.toISOString() },
      {
        runAt: new Date(appointment.endsAt.getTime() + config.autoNoShowMinutes * MINUTE_MS),
        jobKey: noShowKey(appointment.id),
        maxAttempts: 10,
      },
    );
  }
}

/**
 * Removes every scheduled job of an appointment that has left the live states (cancelled, rejected,
 * completed, no-show). A job already running finishes, finds the new status and does nothing.
 */
export async function clearScheduledJobs(trx: Knex, appointmentId: string): Promise<void> {
  await removeJobsByKeyPrefix(trx, `send_appointment_reminder:${appointmentId}:`);
  await removeJob(trx, noShowKey(appointmentId));
  await removeJob(trx, expireUnpaidKey(appointmentId));
}
