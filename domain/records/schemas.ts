/** The medical record's shapes (TypeBox): what a PUT replaces, and the types the domain stores. */
import {
  DateOnly,
  MultiLine,
  SingleLine,
  StrictObject,
  StringEnum,
  Type,
  type Static,
  type TSchema,
} from '../../lib/schema.js';

const list = <T extends TSchema>(item: T) => Type.Array(item, { maxItems: 200 });

export const Allergy = StrictObject({
  substance: SingleLine(200),
  reaction: Type.Optional(MultiLine(1000)),
  severity: Type.Optional(StringEnum(['mild', 'moderate', 'severe'] as const)),
  notedOn: Type.Optional(DateOnly),
});
export type Allergy = Static<typeof Allergy>;

export const Condition = StrictObject({
  name: SingleLine(200),
  status: Type.Optional(StringEnum(['active', 'resolved'] as const)),
  since: Type.Optional(DateOnly),
  notes: Type.Optional(MultiLine(2000)),
});
export type Condition = Static<typeof Condition>;

export const Surgery = StrictObject({
  procedure: SingleLine(200),
  date: Type.Optional(DateOnly),
  notes: Type.Optional(MultiLine(2000)),
});
export type Surgery = Static<typeof Surgery>;

export const Lifestyle = StrictObject({
  smoking: Type.Optional(StringEnum(['never', 'former', 'current'] as const)),
  alcohol: Type.Optional(StringEnum(['none', 'occasional', 'regular'] as const)),
  exercise: Type.Optional(MultiLine(500)),
  diet: Type.Optional(MultiLine(500)),
  occupation: Type.Optional(SingleLine(200)),
  notes: Type.Optional(MultiLine(2000)),
});
export type Lifestyle = Static<typeof Lifestyle>;

export const FamilyHistoryEntry = StrictObject({
  relation: SingleLine(100),
  condition: SingleLine(200),
  notes: Type.Optional(MultiLine(2000)),
});
export type FamilyHistoryEntry = Static<typeof FamilyHistoryEntry>;

/** The clinical content of a record: what a PUT replaces as a whole. */
export const MedicalRecordContent = StrictObject({
  allergies: list(Allergy),
  conditions: list(Condition),
  surgeries: list(Surgery),
  lifestyle: Lifestyle,
  familyHistory: list(FamilyHistoryEntry),
});
export type MedicalRecordContent = Static<typeof MedicalRecordContent>;

/** Body of `PUT /patients/:id/record`: the content, and the version read (or send it as If-Match). */
export const PutRecordInput = Type.Composite(
  [
    MedicalRecordContent,
    StrictObject({
      version: Type.Optional(Type.Integer({ minimum: 0, description: 'Alternative to the If-Match header' })),
    }),
  ],
  { additionalProperties: false },
);
export type PutRecordInput = Static<typeof PutRecordInput>;
