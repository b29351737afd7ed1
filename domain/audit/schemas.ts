/** Input shapes of the audit log (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateTime,
  PageQueryProps,
  SingleLine,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const ListAuditQuery = StrictObject({
  actorId: Type.Optional(Uuid),
  patientId: Type.Optional(Uuid),
  entity: Type.Optional(SingleLine(64)),
  action: Type.Optional(SingleLine(64)),
  outcome: Type.Optional(StringEnum(AUDIT_OUTCOMES)),
  from: Type.Optional(
    Type.Unsafe<string>({ ...DateTime, description: 'Inclusive lower bound on occurredAt' }),
  ),
  to: Type.Optional(Type.Unsafe<string>({ ...DateTime, description: 'Exclusive upper bound on occurredAt' })),
  ...PageQueryProps,
});
export type ListAuditQuery = Static<typeof ListAuditQuery>;
