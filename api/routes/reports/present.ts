import type { ReportRow } from '../../../domain/reports/report.js';
import type { Report } from './schemas.js';

/** A report row → its wire shape; storage keys never leave the server. */
export function presentReport(r: ReportRow): Report {
  return {
    id: r.id,
    patientId: r.patientId,
    title: r.title,
    kind: r.kind,
    contentType: r.contentType,
    size: Number(r.size),
    sha256: r.sha256,
    thumbnailStatus: r.thumbnailStatus,
    ...(r.thumbnailStatus === 'failed' && r.thumbnailError ? { thumbnailError: r.thumbnailError } : {}),
    ...(r.thumbnailStatus === 'ready' && r.thumbnailWidth && r.thumbnailHeight
      ? { thumbnailWidth: r.thumbnailWidth, thumbnailHeight: r.thumbnailHeight }
      : {}),
    uploadedBy: r.uploadedBy,
    createdAt: r.createdAt.toISOString(),
  };
}
