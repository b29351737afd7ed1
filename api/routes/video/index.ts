import {
  createVideoToken,
  endVideoCall,
  getVideoCall,
  startVideoCall,
} from '../../../domain/video/video-call.js';
import { errorSpec } from '../../../lib/errors.js';
import { DateTime, IdParams, Type, Uuid } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';

const VideoToken = Type.Object({
  provider: Type.Literal('agora'),
  appId: Type.String(),
  channel: Type.String({ description: 'Not derivable from the appointment id without the server secret' }),
  uid: Type.Integer({ minimum: 1, description: 'Distinct per participant' }),
  token: Type.String({ description: 'Agora AccessToken2 ("007…"), valid until expiresAt' }),
  expiresAt: DateTime,
});

const VideoCall = Type.Object({
  appointmentId: Uuid,
  channel: Type.String(),
  startedAt: DateTime,
  endedAt: Type.Optional(DateTime),
  startedBy: Uuid,
});

const tags = ['video'];
const participants = ['patient', 'doctor'] as const;
const notConfigured = errorSpec(
  503,
  'video_not_configured',
  'AGORA_APP_ID and AGORA_APP_CERTIFICATE are not set',
);
const notConfirmed = errorSpec(
  409,
  'appointment_not_confirmed',
  'Only confirmed appointments have a video call',
);
const outsideWindow = errorSpec(
  409,
  'outside_window',
  'The call is open from 10 minutes before the start until the end of the appointment',
);

/** Video calls of appointments (Agora), for the appointment's patient and doctor near its time. */
export const videoRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/appointments/:id/video-token',
    operationId: 'createVideoToken',
    summary:
      "An Agora RTC token for the appointment's call (its patient or doctor, 10 minutes before start until end)",
    tags,
    access: participants,
    params: IdParams,
    response: VideoToken,
    errors: [notConfirmed, outsideWindow, notConfigured],
    handler: async ({ state }) => createVideoToken(state.actor, state.params.id),
  }),
  route({
    method: 'POST',
    path: '/appointments/:id/video/start',
    operationId: 'startVideoCall',
    summary: "Record that the appointment's call started (starting again answers the same record)",
    tags,
    access: participants,
    params: IdParams,
    response: VideoCall,
    errors: [
      notConfirmed,
      outsideWindow,
      notConfigured,
      errorSpec(409, 'call_ended', 'The call of this appointment has ended'),
    ],
    handler: async ({ state }) => startVideoCall(state.actor, state.params.id),
  }),
  route({
    method: 'POST',
    path: '/appointments/:id/video/end',
    operationId: 'endVideoCall',
    summary: "Record that the appointment's call ended (ending again changes nothing)",
    tags,
    access: participants,
    params: IdParams,
    response: VideoCall,
    errors: [errorSpec(409, 'call_not_started', 'The call of this appointment has not started')],
    handler: async ({ state }) => endVideoCall(state.actor, state.params.id),
  }),
  route({
    method: 'GET',
    path: '/appointments/:id/video',
    operationId: 'getVideoCall',
    summary: "The appointment's call record (who started it, when, when it ended)",
    tags,
    access: 'authenticated',
    params: IdParams,
    response: VideoCall,
    handler: async ({ state }) => getVideoCall(state.actor, state.params.id),
  }),
]);
