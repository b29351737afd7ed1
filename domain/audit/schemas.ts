/** Input shapes of the audit log (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOrDateTime,
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
    Type.Unsafe<string>({
      ...DateOrDateTime,
      description: 'Inclusive lower bound on occurredAt (a plain date: that day in the clinic zone)',
    }),
  ),
  to: Type.Optional(
    Type.Unsafe<string>({
      ...DateOrDateTime,
      description: 'Exclusive upper bound on occurredAt (a plain date: through that day)',
    }),
  ),
  ...PageQueryProps,
});
export type ListAuditQuery = Static<typeof ListAuditQuery>;
