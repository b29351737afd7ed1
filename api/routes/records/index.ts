import type { MedicalRecordView } from '../../../domain/records/medical-record.js';
import { PutRecordInput } from '../../../domain/records/schemas.js';
import { getRecord } from '../../../domain/records/get-record.js';
import { putRecord } from '../../../domain/records/put-record.js';
import { ValidationError, errorSpec } from '../../../lib/errors.js';
import { IdParams } from '../../../lib/schema.js';
import { defineRoutes, route, type AppContext } from '../../route.js';
import { MedicalRecord } from './schemas.js';

const tags = ['records'];

/** Sets the ETag (the version, quoted) and returns the wire shape. */
function reply(ctx: AppContext, r: MedicalRecordView): MedicalRecord {
  ctx.set('ETag', `"${r.version}"`);
  return {
    patientId: r.patientId,
    allergies: r.allergies,
    conditions: r.conditions,
    surgeries: r.surgeries,
    lifestyle: r.lifestyle,
    familyHistory: r.familyHistory,
    version: r.version,
    updatedAt: r.updatedAt ? r.updatedAt.toISOString() : null,
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
  route({
    method: 'GET',
    path: '/patients/:id/record',
    errors: [errorSpec(403, 'forbidden', 'The access policy does not let this role use this data')],
    operationId: 'getRecord',
    summary: "Get a patient's medical record (ETag: its version); every read is audited",
    tags,
    access: 'authenticated',
    params: IdParams,
    response: MedicalRecord,
    handler: async (ctx) => reply(ctx, await getRecord(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'PUT',
    path: '/patients/:id/record',
    errors: [
      errorSpec(403, 'forbidden', 'The access policy does not let this role use this data'),
      errorSpec(409, 'stale_version', 'The record changed since it was read; read it again'),
      errorSpec(428, 'precondition_required', 'Say which version is changed (If-Match or version)'),
    ],
    operationId: 'putRecord',
    summary:
      'Replace a medical record at the version read (If-Match or version; 409 stale_version, 428 without a version)',
    tags,
    access: 'authenticated',
    params: IdParams,
    body: PutRecordInput,
    response: MedicalRecord,
    handler: async (ctx) => {
      const { version: bodyVersion, ...content } = ctx.state.body;
      const version = expectedVersion(ctx, bodyVersion);
      return reply(ctx, await putRecord(ctx.state.actor, ctx.state.params.id, version, content));
    },
  }),
]);
