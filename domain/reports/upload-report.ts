import { randomUUID } from 'node:crypto';
import { commitUpload, IMAGE_JOB_ATTEMPTS } from '../files/commit-upload.js';
import { discardUnreferencedObject } from '../files/delete-stored-object.js';
import { assertQuotaRoom, reserveQuota, takeUploadSlot } from '../files/upload-limits.js';
import type { IncomingMessage } from 'node:http';
import { addJob } from '../../db/jobs.js';
import { ValidationError, type ErrorDetail } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { storage } from '../../lib/storage.js';
import { receiveUpload } from '../../lib/storage/receive-upload.js';
import { loadPatientFor } from '../access/policy.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import {
  REPORT_KINDS,
  REPORT_TYPES,
  reportKey,
  THUMBNAIL_TYPES,
  type ReportKind,
  type ReportRow,
} from './report.js';

function validateFields(fields: Record<string, string>): { title: string; kind: ReportKind } {
  const details: ErrorDetail[] = [];
  const title = (fields.title ?? '').trim();
  if (!title) details.push({ path: '/title', message: 'is required' });
  else if (title.length > 200) details.push({ path: '/title', message: 'must be at most 200 characters' });
  const kind = fields.kind as ReportKind;
  if (fields.kind === undefined) details.push({ path: '/kind', message: 'is required' });
  else if (!REPORT_KINDS.includes(kind))
    details.push({ path: '/kind', message: `must be one of ${REPORT_KINDS.join(', ')}` });
  if (details.length) throw new ValidationError('The request is invalid.', details);
  return { title, kind };
}

/**
 * Stores an uploaded report for a patient from a multipart body (`file`, `title`, `kind`) and
 * queues its thumbnail. Access, the uploader's hourly limit (429) and the patient's quota (413) are
 * checked before a byte is read, the quota again under a lock once the size is known; the type is
 * decided by the file's content; the object is stored first, then the row, its audit entry and the
 * thumbnail job commit together (domain/files/commit-upload.ts): a committed report always has its
 * file, and a failed upload leaves no object (removed, or its removal queued while the store is
 * away). Object storage away → 503 `storage_unavailable`, and no row.
 */
export async function uploadReport(
  actor: Actor,
  patientId: string,
  body: IncomingMessage,
): Promise<ReportRow> {
  await loadPatientFor(actor, patientId, 'reports', 'write');
  await takeUploadSlot(actor);
  await assertQuotaRoom(patientId);
  const { fields, file } = await receiveUpload(body, {
    fileField: 'file',
    maxBytes: services().config.uploadMaxBytes,
    types: REPORT_TYPES,
    fields: ['title', 'kind'],
    storage: storage(),
    keyFor: () => reportKey(patientId, randomUUID()),
    discard: discardUnreferencedObject,
  });
  let title: string;
  let kind: ReportKind;
  try {
    ({ title, kind } = validateFields(fields));
  } catch (err) {
    await discardUnreferencedObject(file.key);
    throw err;
  }
  return commitUpload(file.key, async (trx) => {
    // Re-checked inside the transaction: the patient may have been removed during a long upload.
    await loadPatientFor(actor, patientId, 'reports', 'write', trx);
    await reserveQuota(trx, patientId, file.size);
    const thumbnailStatus = THUMBNAIL_TYPES.includes(file.contentType) ? 'pending' : 'none';
    const [row] = (await trx('reports')
      .insert({
        patientId,
        title,
        kind,
        contentType: file.contentType,
        size: file.size,
        sha256: file.sha256,
        storageKey: file.key,
        thumbnailStatus,
        uploadedBy: actor.userId,
      })
      .returning('*')) as ReportRow[];
    if (thumbnailStatus === 'pending') {
      await addJob(
        trx,
        'make_report_thumbnail',
        { reportId: row.id },
        { jobKey: `make_report_thumbnail:${row.id}`, maxAttempts: IMAGE_JOB_ATTEMPTS },
      );
    }
    await recordAudit(
      actor,
      {
        entity: 'report',
        entityId: row.id,
        action: 'create',
        outcome: 'success',
        patientId,
        details: { kind, contentType: file.contentType, size: file.size },
      },
      trx,
    );
    return row;
  });
}
