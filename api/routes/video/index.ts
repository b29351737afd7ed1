import {
  createVideoToken,
  endVideoCall,
  getVideoCall,
  startVideoCall,
} from '../../../domain/video/video-call.js';
import { Type } from '@sinclair/typebox';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

const VideoToken = Type.Object({
  provider: Type.Literal('agora'),
  appId: Type.String(),
  channel: Type.String(),
  uid: Type.Integer({ minimum: 1 }),
  token: Type.String(),
  expiresAt: DateTime,
});

const VideoCall = Type.Object({
  appointmentId: Uuid,
  channel: Type.String(),
  startedAt: DateTime,
  endedAt: Type.Optional(DateTime),
  startedBy: Uuid,
});

const participants = ['patient', 'doctor'] as const;

/** Video calls of appointments (Agora), for the appointment's patient and doctor near its time. */
export const videoRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/appointments/:id/video-token',
    operationId: 'createVideoToken',
    summary:
      'An Agora RTC token for the appointment’s call (its patient or doctor, 10 minutes before start until end)',
    tags: ['video'],
    access: participants,
    params: idParams,
    response: VideoToken,
    handler: async (ctx) => createVideoToken(ctx.state.actor!, ctx.state.params.id as string),
  },
  {
    method: 'POST',
    path: '/appointments/:id/video/start',
    operationId: 'startVideoCall',
    summary: 'Record that the appointment’s call started',
    tags: ['video'],
    access: participants,
    params: idParams,
    response: VideoCall,
    handler: async (ctx) => startVideoCall(ctx.state.actor!, ctx.state.params.id as string),
  },
  {
    method: 'POST',
    path: '/appointments/:id/video/end',
    operationId: 'endVideoCall',
    summary: 'Record that the appointment’s call ended (ending again changes nothing)',
    tags: ['video'],
    access: participants,
    params: idParams,
    response: VideoCall,
    handler: async (ctx) => endVideoCall(ctx.state.actor!, ctx.state.params.id as string),
  },
  {
    method: 'GET',
    path: '/appointments/:id/video',
    operationId: 'getVideoCall',
    summary: 'The appointment’s call record (who started it, when, when it ended)',
    tags: ['video'],
    access: 'authenticated',
    params: idParams,
    response: VideoCall,
    handler: async (ctx) => getVideoCall(ctx.state.actor!, ctx.state.params.id as string),
  },
]);
