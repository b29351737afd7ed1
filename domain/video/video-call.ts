/**
 * Video calls of appointments (Agora RTC): who may join, when, on which channel, and the record of
 * the call. Only the appointment's patient and doctor take part; anyone else sees nothing (404).
 */
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import agora from 'agora-token';
import { db } from '../../db/knex.js';
import { ConflictError, ForbiddenError, NotConfiguredError, NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { loadVisibleAppointment, type AppointmentRow } from '../appointments/appointment.js';
import type { Actor } from '../auth/actor.js';

const { RtcRole, RtcTokenBuilder } = agora;

/** Participants may join this long before the appointment starts. */
export const JOIN_EARLY_MS = 10 * 60_000;

export interface VideoToken {
  provider: 'agora';
  appId: string;
  channel: string;
  uid: number;
  token: string;
  expiresAt: string;
}

export interface VideoCallView {
  appointmentId: string;
  channel: string;
  startedAt: string;
  endedAt?: string;
  startedBy: string;
}

interface VideoCallRow {
  appointmentId: string;
  channel: string;
  startedAt: Date;
  startedBy: string;
  endedAt: Date | null;
}

const toView = (r: VideoCallRow): VideoCallView => ({
  appointmentId: r.appointmentId,
  channel: r.channel,
  startedAt: new Date(r.startedAt).toISOString(),
  ...(r.endedAt ? { endedAt: new Date(r.endedAt).toISOString() } : {}),
  startedBy: r.startedBy,
});

function agoraConfig(): { appId: string; appCertificate: string } {
  const agoraCfg = services().config.telehealth.agora;
  if (!agoraCfg)
    throw new NotConfiguredError(
      'video',
      'Video calls are not configured on this server (AGORA_APP_ID and AGORA_APP_CERTIFICATE).',
    );
  return agoraCfg;
}

/**
 * The appointment's channel: an HMAC of its id under a key derived from the server secret, so it
 * cannot be guessed from the id and needs no storage. (Rotating JWT_SECRET changes future channel
 * names; a call in progress keeps the tokens it has.)
 */
export function channelFor(appointmentId: string): string {
  const key = createHmac('sha256', services().jwtSecret).update('clinicflow video channel').digest();
  return `appt-${createHmac('sha256', key).update(appointmentId).digest('base64url').slice(0, 32)}`;
}

/** A user's Agora uid in a channel: 31 bits of an HMAC of their id, never 0. */
const rawUid = (channel: string, userId: string) =>
  createHmac('sha256', channel).update(userId).digest().readUInt32BE(0) & 0x7fffffff || 1;

/** The caller's uid: the doctor keeps theirs; the patient steps aside in the (2⁻³¹) case of a clash. */
function uidFor(channel: string, actor: Actor, doctorId: string): number {
  const mine = rawUid(channel, actor.userId);
  if (actor.role === 'doctor') return mine;
  return mine === rawUid(channel, doctorId) ? (mine % 0x7fffffff) + 1 : mine;
}

/**
 * Loads an appointment for a call: the caller must be its patient or doctor (others of those roles
 * get 404 like any appointment not theirs; nurses, staff and admins are refused by the route, 403),
 * and it must be confirmed (409 `appointment_not_confirmed`).
 */
async function loadForCall(trx: Knex, actor: Actor, appointmentId: string): Promise<AppointmentRow> {
  if (actor.role !== 'patient' && actor.role !== 'doctor') throw new ForbiddenError();
  const appointment = await loadVisibleAppointment(trx, actor, appointmentId);
  if (appointment.status !== 'confirmed')
    throw new ConflictError('appointment_not_confirmed', 'Only confirmed appointments have a video call.');
  return appointment;
}

function assertInWindow(appointment: AppointmentRow, now = Date.now()): void {
  const opens = new Date(appointment.startsAt).getTime() - JOIN_EARLY_MS;
  const closes = new Date(appointment.endsAt).getTime();
  if (now < opens || now >= closes)
    throw new ConflictError(
      'outside_window',
      'The video call is open from 10 minutes before the appointment until its end.',
    );
}

/**
 * An Agora RTC token to join the appointment's call, for its patient or doctor, from 10 minutes
 * before the start until the end; the token expires at the end.
 */
export async function createVideoToken(actor: Actor, appointmentId: string): Promise<VideoToken> {
  const appointment = await loadForCall(db(), actor, appointmentId);
  const now = Date.now();
  assertInWindow(appointment, now);
  const { appId, appCertificate } = agoraConfig();
  const channel = channelFor(appointment.id);
  const uid = uidFor(channel, actor, appointment.doctorId);
  const expiresAt = new Date(appointment.endsAt);
  const lifetime = Math.max(1, Math.ceil((expiresAt.getTime() - now) / 1000));
  const token = RtcTokenBuilder.buildTokenWithUid(
    appId,
    appCertificate,
    channel,
    uid,
    RtcRole.PUBLISHER,
    lifetime,
    lifetime,
  );
  return { provider: 'agora', appId, channel, uid, token, expiresAt: expiresAt.toISOString() };
}

/**
 * Records that the call started (by the caller). Starting a started call answers the record as it
 * is; a call that ended cannot start again (409 `call_ended`).
 */
export async function startVideoCall(actor: Actor, appointmentId: string): Promise<VideoCallView> {
  return db().transaction(async (trx) => {
    const appointment = await loadForCall(trx, actor, appointmentId);
    assertInWindow(appointment);
    agoraConfig();
    await trx('videoCalls')
      .insert({ appointmentId, channel: channelFor(appointmentId), startedBy: actor.userId })
      .onConflict('appointmentId')
      .ignore();
    const row = (await trx('videoCalls').where({ appointmentId }).first()) as VideoCallRow;
    if (row.endedAt) throw new ConflictError('call_ended', 'This video call has ended.');
    return toView(row);
  });
}

/** Records that the call ended; ending an ended call changes nothing. 409 `call_not_started` before a start. */
export async function endVideoCall(actor: Actor, appointmentId: string): Promise<VideoCallView> {
  return db().transaction(async (trx) => {
    if (actor.role !== 'patient' && actor.role !== 'doctor') throw new ForbiddenError();
    await loadVisibleAppointment(trx, actor, appointmentId);
    const [updated] = (await trx('videoCalls')
      .where({ appointmentId })
      .whereNull('endedAt')
      .update({ endedAt: trx.fn.now(), endedBy: actor.userId })
      .returning('*')) as VideoCallRow[];
    const row =
      updated ?? ((await trx('videoCalls').where({ appointmentId }).first()) as VideoCallRow | undefined);
    if (!row) throw new ConflictError('call_not_started', 'This video call has not started.');
    return toView(row);
  });
}

/** The call record of an appointment, for whoever may see the appointment; 404 before a call started. */
export async function getVideoCall(actor: Actor, appointmentId: string): Promise<VideoCallView> {
  await loadVisibleAppointment(db(), actor, appointmentId);
  const row = (await db()('videoCalls').where({ appointmentId }).first()) as VideoCallRow | undefined;
  if (!row) throw new NotFoundError('video call');
  return toView(row);
}
