import type { Readable } from 'node:stream';
import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { storage, StorageNotFoundError } from '../../lib/storage.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { placeholderThumbnail } from './placeholder.js';
import { downloadName, loadReportFor, REPORT_TYPES } from './report.js';

/** Lifetime of a signed download URL, in seconds: long enough to follow a redirect, no longer. */
export const SIGNED_URL_SECONDS = 60;

/** What the API sends for a download: the bytes, or a redirect to a short-lived signed URL. */
export type ReportDownload =
  | {
      kind: 'content';
      body: Readable | Buffer;
      contentType: string;
      /** Byte length when known (always for files; buffers carry their own). */
      size?: number;
      filename: string;
      /** Set when the picture is a stand-in rather than the report's own thumbnail. */
      placeholder?: 'pending' | 'failed' | 'none';
    }
  | { kind: 'redirect'; url: string };

async function openStored(key: string): Promise<Readable> {
  try {
    return await storage().get(key);
  } catch (err) {
    if (err instanceof StorageNotFoundError) throw new NotFoundError('report file');
    throw err;
  }
}

/**
 * Opens a report's file for download by someone who may read it, and audits the download.
 * Drivers that can sign URLs (S3) answer with a redirect so the bytes do not pass through the API.
 */
export async function openReportFile(actor: Actor, reportId: string): Promise<ReportDownload> {
  return withTransaction(async (trx) => {
    const report = await loadReportFor(actor, reportId, 'read', trx);
    const filename = downloadName(report.title, REPORT_TYPES[report.contentType] ?? 'bin');
    const store = storage();
    const result: ReportDownload = store.signedUrl
      ? {
          kind: 'redirect',
          url: await store.signedUrl(report.storageKey, {
            expiresIn: SIGNED_URL_SECONDS,
            filename,
            contentType: report.contentType,
          }),
        }
      : {
          kind: 'content',
          body: await openStored(report.storageKey),
          contentType: report.contentType,
          size: report.size,
          filename,
        };
    try {
      await recordAudit(
        actor,
        {
          entity: 'report',
          entityId: report.id,
          action: 'download',
          outcome: 'success',
          patientId: report.patientId,
          details: { variant: 'file', sha256: report.sha256 },
        },
        trx,
      );
    } catch (err) {
      if (result.kind === 'content' && 'destroy' in result.body) result.body.destroy();
      throw err;
    }
    return result;
  });
}

/**
 * Opens a report's thumbnail (WebP) for someone who may read the report, and audits it. Until a
 * thumbnail exists (pending, failed, or a PDF) a generic placeholder picture is served instead.
 */
export async function openReportThumbnail(actor: Actor, reportId: string): Promise<ReportDownload> {
  return withTransaction(async (trx) => {
    const report = await loadReportFor(actor, reportId, 'read', trx);
    const filename = downloadName(`${report.title} thumbnail`, 'webp');
    let result: ReportDownload;
    if (report.thumbnailStatus === 'ready' && report.thumbnailKey) {
      result = {
        kind: 'content',
        body: await openStored(report.thumbnailKey),
        contentType: 'image/webp',
        filename,
      };
    } else {
      const variant =
        report.thumbnailStatus === 'none'
          ? 'pdf'
          : report.thumbnailStatus === 'pending'
            ? 'pending'
            : 'failed';
      result = {
        kind: 'content',
        body: await placeholderThumbnail(variant),
        contentType: 'image/webp',
        filename,
        placeholder: report.thumbnailStatus as 'pending' | 'failed' | 'none',
      };
    }
    try {
      await recordAudit(
        actor,
        {
          entity: 'report',
          entityId: report.id,
          action: 'download',
          outcome: 'success',
          patientId: report.patientId,
          details: { variant: 'thumbnail' },
        },
        trx,
      );
    } catch (err) {
      if (result.kind === 'content' && 'destroy' in result.body) result.body.destroy();
      throw err;
    }
    return result;
  });
}
