/**
 * Appointment emails and reminders, built in the worker from the current rows so job payloads carry
 * ids only (no names, addresses or visit reasons).
 */
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { db } from '../../db/knex.js';
import { deliverEmail } from '../email/deliver.js';
import { services } from '../../lib/services.js';
import type { AppointmentRow } from './appointment.js';
import type { AppointmentEmailEvent, AppointmentEmailRecipient } from './appointment-jobs.js';

/** The people around an appointment, as emails address them. */
interface Parties {
  appointment: AppointmentRow;
  doctor: { name: string; email: string | null; timeZone: string };
  patient: { name: string; email: string | null; timeZone: string };
}

async function loadParties(knex: Knex, appointmentId: string): Promise<Parties | undefined> {
  const appointment = (await knex('appointments').where({ id: appointmentId }).first()) as
    AppointmentRow | undefined;
  if (!appointment) return undefined;
  const doctor = await knex('doctors as d')
    .join('users as u', 'u.id', 'd.id')
    .where('d.id', appointment.doctorId)
    .first('u.name', knex.raw('coalesce(d.contact_email, u.email) as email'), 'd.timeZone');
  const patient = await knex('patients as p')
    .leftJoin('users as u', 'u.id', 'p.userId')
    .where('p.id', appointment.patientId)
    .first('p.name', knex.raw('coalesce(p.email, u.email) as email'), 'p.timeZone');
  if (!doctor || !patient) return undefined;
  return { appointment, doctor, patient };
}

/** "Tuesday, 15 December 2026, 10:30" in `zone`: the form every appointment template expects. */
export function formatLocal(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).setLocale('en-GB').toFormat('cccc, d LLLL yyyy, HH:mm');
}

function baseVars(p: Parties, recipient: AppointmentEmailRecipient, startsAt: Date) {
  const who = recipient === 'doctor' ? p.doctor : p.patient;
  return {
    recipientName: who.name,
    doctorName: p.doctor.name,
    patientName: p.patient.name,
    startsAtLocal: formatLocal(startsAt, who.timeZone),
    timeZone: who.timeZone,
    appointmentUrl: `${services().config.appUrl}/appointments/${p.appointment.id}`,
  };
}

/** An iCalendar file for the appointment, so the patient can add it to their calendar. */
export function appointmentIcs(p: {
  id: string;
  startsAt: Date;
  endsAt: Date;
  doctorName: string;
  url: string;
}): string {
  const { clinicName } = services().config;
  const cal = ical({
    name: clinicName,
    prodId: { company: 'clinicflow', product: 'appointments' },
    method: ICalCalendarMethod.PUBLISH,
  });
  cal.createEvent({
    id: `appointment-${p.id}@clinicflow`,
    start: p.startsAt,
    end: p.endsAt,
    summary: `Appointment with ${p.doctorName}`,
    location: clinicName,
    url: p.url,
  });
  return cal.toString();
}

/**
 * Sends the email announcing `event` to one party, once per ledger key
 * (`appointment_<event>:<id>:<recipient>`, plus the history id for reschedules, which can repeat).
 * Does nothing when the party has no address or the appointment is gone.
 */
export async function sendAppointmentEmail(req: {
  appointmentId: string;
  event: AppointmentEmailEvent;
  recipient: AppointmentEmailRecipient;
  historyId: number;
}): Promise<{ sent: boolean }> {
  const knex = db();
  const p = await loadParties(knex, req.appointmentId);
  const to = p && (req.recipient === 'doctor' ? p.doctor.email : p.patient.email);
  if (!p || !to) return { sent: false };
  const history = await knex('appointmentStatusHistory')
    .where({ id: req.historyId, appointmentId: p.appointment.id })
    .first();
  const who = req.recipient === 'doctor' ? p.doctor : p.patient;
  // Booked and confirmed describe the appointment as it is now; reschedules the move they record.
  const startsAt: Date =
    req.event === 'rescheduled' && history?.toStartsAt ? history.toStartsAt : p.appointment.startsAt;
  const vars: Record<string, unknown> = { ...baseVars(p, req.recipient, startsAt) };
  if (req.event === 'booked' || req.event === 'confirmed') {
    if (p.appointment.reason) vars.reason = p.appointment.reason;
  } else if (history?.reason) {
    vars.reason = history.reason;
  }
  if (req.event === 'rescheduled' && history?.fromStartsAt) {
    vars.previousStartsAtLocal = formatLocal(history.fromStartsAt, who.timeZone);
  }
  const attachments =
    req.event === 'confirmed' && req.recipient === 'patient'
      ? [
          {
            filename: 'appointment.ics',
            content: appointmentIcs({
              id: p.appointment.id,
              startsAt: p.appointment.startsAt,
              endsAt: p.appointment.endsAt,
              doctorName: p.doctor.name,
              url: vars.appointmentUrl as string,
            }),
            contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
          },
        ]
      : undefined;
  const qualifier = req.event === 'rescheduled' ? `:${req.historyId}` : '';
  return deliverEmail({
    ledgerKey: `appointment_${req.event}:${p.appointment.id}${qualifier}:${req.recipient}`,
    template: `appointment_${req.event}`,
    to,
    vars,
    attachments,
  });
}

/**
 * Sends the `hoursBefore` reminder to patient and doctor, only if the appointment is still confirmed
 * and still starts at `startsAt` (a moved or cancelled appointment makes an old job a no-op). The
 * ledger keys include the start, so a rescheduled appointment is reminded again for its new time.
 * @returns how many reminders this call sent.
 */
export async function sendAppointmentReminder(req: {
  appointmentId: string;
  hoursBefore: number;
  startsAt: string;
}): Promise<number> {
  const p = await loadParties(db(), req.appointmentId);
  if (!p || p.appointment.status !== 'confirmed') return 0;
  if (p.appointment.startsAt.getTime() !== new Date(req.startsAt).getTime()) return 0;
  let sent = 0;
  for (const recipient of ['patient', 'doctor'] as const) {
    const to = recipient === 'doctor' ? p.doctor.email : p.patient.email;
    if (!to) continue;
    const result = await deliverEmail({
      ledgerKey: `appointment_reminder:${p.appointment.id}:${p.appointment.startsAt.toISOString()}:${req.hoursBefore}h:${recipient}`,
      template: 'appointment_reminder',
      to,
      vars: {
        ...baseVars(p, recipient, p.appointment.startsAt),
        hoursBefore: req.hoursBefore,
        isDoctor: recipient === 'doctor',
      },
    });
    if (result.sent) sent += 1;
  }
  return sent;
}
