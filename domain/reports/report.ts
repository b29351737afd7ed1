import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import { loadPatientFor, type Operation } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { isSharedWith } from '../messaging/attachments.js';

/** Report kinds a client may choose. */
export const REPORT_KINDS = ['lab', 'imaging', 'prescription', 'other'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Accepted report types, as detected from the file's bytes, and the extension each is served with. */
export const REPORT_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

/** Types the thumbnail job can render: images with sharp, PDFs' first page with pdfjs-dist (docs/billing.md). */
export const THUMBNAIL_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'application/pdf',
];

export type ThumbnailStatus = 'pending' | 'ready' | 'failed' | 'none';

/** A report row as the domain hands it on (camelCase columns). */
export interface ReportRow {
  id: string;
  patientId: string;
  title: string;
  kind: ReportKind;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
  thumbnailStatus: ThumbnailStatus;
  thumbnailKey: string | null;
  thumbnailWidth: number | null;
  thumbnailHeight: number | null;
  thumbnailError: string | null;
  uploadedBy: string;
  deletedAt: Date | null;
  createdAt: Date;
}

/** Storage key of a report's file: generated, never from the uploaded name. */
export const reportKey = (patientId: string, fileId: string) => `reports/${patientId}/${fileId}`;
/** Storage key of a report's thumbnail. */
export const thumbnailKey = (reportId: string) => `thumbnails/${reportId}.webp`;

/**
 * Loads a live report the actor may reach for `op` on its patient, or throws 404 (missing, deleted,
 * or not theirs: indistinguishable) / 403 (the role may not use reports at all).
 * Denials are audited by the access policy. A report attached to a message may also be read by
 * the participants of its conversation (domain/messaging/attachments.ts).
 */
export async function loadReportFor(
  actor: Actor,
  reportId: string,
  op: Operation,
  trx: Knex | Knex.Transaction = db(),
): Promise<ReportRow> {
  const row = (await trx('reports').where({ id: reportId }).whereNull('deletedAt').first()) as
    ReportRow | undefined;
  if (!row) throw new NotFoundError('report');
  if (op === 'read' && (await isSharedWith(trx, row.id, actor.userId))) return row;
  try {
    await loadPatientFor(actor, row.patientId, 'reports', op, trx);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError('report');
    throw err;
  }
  return row;
}

/** A download name made from the title: letters, digits, spaces, `.`, `_` and `-` only. */
export function downloadName(title: string, ext: string): string {
  const base = title
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N} ._-]+/gu, '_')
    .replace(/^[.\s_]+|[.\s]+$/g, '')
    .slice(0, 100);
  return `${base || 'report'}.${ext}`;
}
