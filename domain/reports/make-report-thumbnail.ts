import { Readable } from 'node:stream';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { storage, StorageNotFoundError } from '../../lib/storage.js';
import { makeThumbnail } from './make-thumbnail.js';
import { PdfRenderError, renderPdfFirstPage } from './render-pdf-page.js';
import { thumbnailKey, type ReportRow } from './report.js';

/** Reads a whole object, refusing more than `max` bytes (the upload limit bounds every report). */
export async function readObject(key: string, max: number): Promise<Buffer> {
  const stream = await storage().get(key);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      throw new Error(`object ${key} is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type ThumbnailOutcome = 'ready' | 'failed' | 'skipped';

/**
 * Makes the thumbnail of a report whose thumbnail is pending, and records the outcome.
 * Idempotent: a report that is gone, deleted or no longer pending is left alone ('skipped').
 * PDFs are rendered from their first page (domain/reports/render-pdf-page.ts); an encrypted, broken,
 * zero-page or oversized PDF, like an image that cannot be decoded, is recorded as failed with the reason and does not throw, since
 * retrying cannot fix it; the report itself stays downloadable. Storage or database errors throw,
 * so the job is retried: a storage outage (`StorageUnavailableError`) leaves the thumbnail `pending`,
 * never `failed`, and the job's attempts (IMAGE_JOB_ATTEMPTS) outlast a realistic outage.
 */
export async function makeReportThumbnail(reportId: string): Promise<ThumbnailOutcome> {
  const report = (await db()('reports').where({ id: reportId }).first()) as ReportRow | undefined;
  if (!report || report.deletedAt || report.thumbnailStatus !== 'pending') return 'skipped';
  let original: Buffer;
  try {
    original = await readObject(report.storageKey, Math.max(services().config.uploadMaxBytes, report.size));
  } catch (err) {
    if (err instanceof StorageNotFoundError)
      return recordFailure(report.id, 'The original file is missing from storage.');
    throw err;
  }
  let thumb: Awaited<ReturnType<typeof makeThumbnail>>;
  if (report.contentType === 'application/pdf') {
    // First page → PNG in an isolated, time- and size-limited thread; then the same WebP as images.
    try {
      original = (await renderPdfFirstPage(original)).png;
    } catch (err) {
      if (err instanceof PdfRenderError) return recordFailure(report.id, err.message.slice(0, 500));
      throw err;
    }
  }
  try {
    thumb = await makeThumbnail(original);
  } catch (err) {
    return recordFailure(
      report.id,
      `The image could not be decoded: ${(err as Error).message}`.slice(0, 500),
    );
  }
  const key = thumbnailKey(report.id);
  await storage().put(key, Readable.from([thumb.data]), {
    contentType: 'image/webp',
    contentLength: thumb.data.length,
  });
  const updated = await db()('reports')
    .where({ id: report.id, thumbnailStatus: 'pending' })
    .whereNull('deletedAt')
    .update({
      thumbnailStatus: 'ready',
      thumbnailKey: key,
      thumbnailWidth: thumb.width,
      thumbnailHeight: thumb.height,
      updatedAt: db().fn.now(),
    });
  if (!updated) {
    // Deleted (or finished by another run) meanwhile: a deleted report must not keep a thumbnail.
    const now = (await db()('reports').where({ id: report.id }).first()) as ReportRow | undefined;
    if (!now || now.deletedAt) await storage().delete(key);
    return 'skipped';
  }
  return 'ready';
}

async function recordFailure(reportId: string, reason: string): Promise<ThumbnailOutcome> {
  const updated = await db()('reports')
    .where({ id: reportId, thumbnailStatus: 'pending' })
    .update({ thumbnailStatus: 'failed', thumbnailError: reason, updatedAt: db().fn.now() });
  return updated ? 'failed' : 'skipped';
}
