/** Response shapes of the audit routes. */
import { AUDIT_OUTCOMES } from '../../../domain/audit/schemas.js';
import {
  DateTime,
  Nullable,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../../lib/schema.js';

export const AuditEvent = StrictObject({
  id: Type.Integer(),
  occurredAt: DateTime,
  actorId: Nullable(Uuid),
  actorRole: Nullable(Type.String()),
  patientId: Nullable(Uuid),
  entity: Type.String(),
  entityId: Nullable(Type.String()),
  action: Type.String(),
  outcome: StringEnum(AUDIT_OUTCOMES),
  ip: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  /** Which of the log's 16 hash chains the row belongs to (`prevHash` is the previous row of that chain). */
  chain: Type.Integer({ minimum: 0, maximum: 15 }),
  prevHash: Type.String(),
  hash: Type.String(),
});
export type AuditEvent = Static<typeof AuditEvent>;
