import type { MedicalRecordContent, MedicalRecordView } from '../../../domain/records/medical-record.js';
import { getRecord } from '../../../domain/records/get-record.js';
import { putRecord } from '../../../domain/records/put-record.js';
import { ValidationError } from '../../../lib/errors.js';
import type { AppContext, JsonSchema } from '../../route.js';
import { defineRoutes } from '../../route.js';
import { date, dateTime, idParams, objectSchema, uuid } from '../../schemas.js';

const tags = ['records'];
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const list = (item: JsonSchema) => ({ type: 'array', maxItems: 200, items: item });

const content = {
  allergies: list(
    objectSchema(
      {
        substance: text(200),
        reaction: text(1000),
        severity: { enum: ['mild', 'moderate', 'severe'] },
        notedOn: date,
      },
      ['substance'],
    ),
  ),
  conditions: list(
    objectSchema(
      { name: text(200), status: { enum: ['active', 'resolved'] }, since: date, notes: text(2000) },
      ['name'],
    ),
  ),
  surgeries: list(objectSchema({ procedure: text(200), date, notes: text(2000) }, ['procedure'])),
  lifestyle: objectSchema({
    smoking: { enum: ['never', 'former', 'current'] },
    alcohol: { enum: ['none', 'occasional', 'regular'] },
    exercise: text(500),
    diet: text(500),
    occupation: text(200),
    notes: text(2000),
  }),
  familyHistory: list(
    objectSchema({ relation: text(100), condition: text(200), notes: text(2000) }, ['relation', 'condition']),
  ),
};
const CONTENT_KEYS = Object.keys(content) as (keyof MedicalRecordContent)[];

const recordSchema: JsonSchema = {
  type: 'object',
  required: ['patientId', ...CONTENT_KEYS, 'version', 'updatedAt', 'updatedBy'],
  properties: {
    patientId: uuid,
    ...content,
    version: {
      type: 'integer',
      minimum: 0,
      description: '0 until the first write; send it back as If-Match',
    },
    updatedAt: { anyOf: [dateTime, { type: 'null' }] },
    updatedBy: { anyOf: [uuid, { type: 'null' }] },
  },
};

const putBody = objectSchema(
  { ...content, version: { type: 'integer', minimum: 0, description: 'Alternative to the If-Match header' } },
  CONTENT_KEYS,
);

/** Sets the ETag (the version, quoted) and returns the wire shape. */
function reply(ctx: AppContext, r: MedicalRecordView) {
  ctx.set('ETag', `"${r.version}"`);
  return {
    patientId: r.patientId,
    allergies: r.allergies,
    conditions: r.conditions,
    surgeries: r.surgeries,
    lifestyle: r.lifestyle,
    familyHistory: r.familyHistory,
    version: r.version,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  };
}

/**
 * The version a PUT claims to change: `If-Match: "3"` (weak `W/"3"` and bare `3` accepted) or the
 * body's `version` (neither: undefined, which the domain answers with 428); both but different → 400.
 */
function expectedVersion(ctx: AppContext, bodyVersion: number | undefined): number | undefined {
  const header = ctx.get('If-Match').trim();
  let fromHeader: number | undefined;
  if (header) {
    const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header);
    if (!m)
      throw new ValidationError('The request is invalid.', [
        { path: '/headers/if-match', message: 'must be a record version such as "3"' },
      ]);
    fromHeader = Number(m[1]);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ValidationError('The request is invalid.', [
      { path: '/version', message: 'differs from the If-Match header' },
    ]);
  }
  return fromHeader ?? bodyVersion;
}

/** The unified medical record, one per patient, versioned for optimistic concurrency. */
export const recordsRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/patients/:id/record',
    operationId: 'getRecord',
    summary: "Get a patient's medical record (ETag: its version); every read is audited",
    tags,
    access: 'authenticated',
    params: idParams,
    response: recordSchema,
    handler: async (ctx) => reply(ctx, await getRecord(ctx.state.actor!, ctx.state.params.id as string)),
  },
  {
    method: 'PUT',
    path: '/patients/:id/record',
    operationId: 'putRecord',
    summary:
      'Replace a medical record at the version read (If-Match or version; 409 stale_version, 428 without a version)',
    tags,
    access: 'authenticated',
    params: idParams,
    body: putBody,
    response: recordSchema,
    handler: async (ctx) => {
      const body = ctx.state.body as MedicalRecordContent & { version?: number };
      const version = expectedVersion(ctx, body.version);
      const { version: _v, ...rest } = body;
      return reply(ctx, await putRecord(ctx.state.actor!, ctx.state.params.id as string, version, rest));
    },
  },
]);
