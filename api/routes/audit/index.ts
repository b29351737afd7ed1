import { listAuditEvents, type AuditEventRow } from '../../../domain/audit/list-audit.js';
import { ListAuditQuery } from '../../../domain/audit/schemas.js';
import { ListOf } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import { AuditEvent } from './schemas.js';

const present = (e: AuditEventRow): AuditEvent => ({
  id: e.id,
  occurredAt: e.occurredAt.toISOString(),
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
  chain: e.chain,
  prevHash: e.prevHash,
  hash: e.hash,
});

/** The append-only audit log, for admins. */
export const auditRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/admin/audit',
    operationId: 'listAuditEvents',
    summary: 'Query the audit log (newest first) by actor, patient, entity, action, outcome and time',
    tags: ['audit'],
    access: ['admin'],
    query: ListAuditQuery,
    response: ListOf(AuditEvent),
    handler: async (ctx) => {
      const page = await listAuditEvents(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  }),
]);
