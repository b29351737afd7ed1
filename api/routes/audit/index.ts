import {
  listAuditEvents,
  type AuditEventRow,
  type ListAuditQuery,
} from '../../../domain/audit/list-audit.js';
import type { JsonSchema } from '../../route.js';
import { defineRoutes } from '../../route.js';
import { dateTime, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const auditEventSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'occurredAt', 'entity', 'action', 'outcome', 'hash', 'prevHash'],
  properties: {
    id: { type: 'integer' },
    occurredAt: dateTime,
    actorId: { anyOf: [uuid, { type: 'null' }] },
    actorRole: { type: ['string', 'null'] },
    patientId: { anyOf: [uuid, { type: 'null' }] },
    entity: { type: 'string' },
    entityId: { type: ['string', 'null'] },
    action: { type: 'string' },
    outcome: { enum: ['success', 'denied', 'failure'] },
    ip: { type: ['string', 'null'] },
    requestId: { type: ['string', 'null'] },
    details: { type: 'object' },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
};

const present = (e: AuditEventRow) => ({
  id: e.id,
  occurredAt: e.occurredAt,
  actorId: e.actorId,
  actorRole: e.actorRole,
  patientId: e.patientId,
  entity: e.entity,
  entityId: e.entityId,
  action: e.action,
  outcome: e.outcome,
  ip: e.ip,
  requestId: e.requestId,
  details: e.details,
  prevHash: e.prevHash,
  hash: e.hash,
});

/** The append-only audit log, for admins. */
export const auditRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/admin/audit',
    operationId: 'listAuditEvents',
    summary: 'Query the audit log (newest first) by actor, patient, entity, action, outcome and time',
    tags: ['audit'],
    access: ['admin'],
    query: objectSchema({
      actorId: uuid,
      patientId: uuid,
      entity: { type: 'string', minLength: 1, maxLength: 64 },
      action: { type: 'string', minLength: 1, maxLength: 64 },
      outcome: { enum: ['success', 'denied', 'failure'] },
      from: { ...dateTime, description: 'Inclusive' },
      to: { ...dateTime, description: 'Exclusive' },
      ...pageQueryProps,
    }),
    response: listOf(auditEventSchema),
    handler: async (ctx) => {
      const page = await listAuditEvents(ctx.state.actor!, ctx.state.query as unknown as ListAuditQuery);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  },
]);
