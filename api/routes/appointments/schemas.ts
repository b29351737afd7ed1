/** JSON Schemas of the appointment routes (SPEC shape "Appointment", extended). */
import { APPOINTMENT_STATUSES } from '../../../domain/appointments/appointment.js';
import { dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const reason = { type: 'string', minLength: 1, maxLength: 1000 } as const;
const status = { type: 'string', enum: [...APPOINTMENT_STATUSES] } as const;

export const appointmentSchema = objectSchema(
  {
    id: uuid,
    doctorId: uuid,
    patientId: uuid,
    startsAt: dateTime,
    endsAt: dateTime,
    status,
    paymentStatus: { type: 'string', enum: ['unpaid', 'paid', 'failed', 'refunded', 'partially_refunded'] },
    feeCents: { type: 'integer' },
    currency: { type: 'string' },
    reason: { type: 'string' },
    followUpOf: uuid,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  [
    'id',
    'doctorId',
    'patientId',
    'startsAt',
    'endsAt',
    'status',
    'paymentStatus',
    'feeCents',
    'currency',
    'createdAt',
    'updatedAt',
  ],
);

export const historyEntrySchema = objectSchema(
  {
    id: { type: 'integer' },
    fromStatus: { type: ['string', 'null'] },
    toStatus: status,
    actorId: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    fromStartsAt: { type: ['string', 'null'] },
    toStartsAt: { type: ['string', 'null'] },
    createdAt: dateTime,
  },
  ['id', 'fromStatus', 'toStatus', 'actorId', 'reason', 'createdAt'],
);

/** `POST /appointments`: `patientId` may be omitted by a patient booking for themself. */
export const bookBody = objectSchema({ doctorId: uuid, patientId: uuid, startsAt: dateTime, reason }, [
  'doctorId',
  'startsAt',
]);

/** Body of approve, reject, cancel, complete and no-show: an optional reason for the history. */
export const reasonBody = objectSchema({ reason });

/** Body of reschedule and follow-up. */
export const newTimeBody = objectSchema({ startsAt: dateTime, reason }, ['startsAt']);

export const listQuery = objectSchema({
  ...pageQueryProps,
  status: { type: 'array', items: status, maxItems: 6 },
  doctorId: uuid,
  patientId: uuid,
  from: dateTime,
  to: dateTime,
});
