import { REPORT_KINDS } from '../../../domain/reports/report.js';
import type { JsonSchema } from '../../route.js';
import { dateTime, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

/** A report's metadata as clients see it (SPEC "Report"), plus thumbnail details and the uploader. */
export const reportSchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'patientId',
    'title',
    'kind',
    'contentType',
    'size',
    'sha256',
    'thumbnailStatus',
    'createdAt',
  ],
  properties: {
    id: uuid,
    patientId: uuid,
    title: { type: 'string' },
    kind: { enum: [...REPORT_KINDS] },
    contentType: { enum: ['application/pdf', 'image/png', 'image/jpeg', 'image/webp'] },
    size: { type: 'integer', description: 'Bytes.' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the stored file.' },
    thumbnailStatus: {
      enum: ['pending', 'ready', 'failed', 'none'],
      description: '`none` for PDFs: they are not rendered, `/thumbnail` serves a placeholder.',
    },
    thumbnailError: { type: 'string', description: 'Why the thumbnail failed (only when `failed`).' },
    thumbnailWidth: { type: 'integer' },
    thumbnailHeight: { type: 'integer' },
    uploadedBy: uuid,
    createdAt: dateTime,
  },
};

export const reportListSchema = listOf(reportSchema);

export const listReportsQuery = objectSchema({ ...pageQueryProps, kind: { enum: [...REPORT_KINDS] } });

export const reportUploadContent = {
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['file', 'title', 'kind'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description:
            'PDF, PNG, JPEG or WebP, decided by the content (not the name); at most UPLOAD_MAX_BYTES (10 MB).',
        },
        title: { type: 'string', minLength: 1, maxLength: 200 },
        kind: { enum: [...REPORT_KINDS] },
      },
    },
  },
};

export const avatarUploadContent = {
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['image'],
      properties: {
        image: {
          type: 'string',
          format: 'binary',
          description: 'PNG, JPEG or WebP (by content), at most 5 MB.',
        },
      },
    },
  },
};

export const avatarStatusSchema = objectSchema({ avatarStatus: { const: 'pending' } }, ['avatarStatus']);

export const avatarQuery = objectSchema({
  v: { type: 'string', maxLength: 64, description: 'Cache buster from avatarUrl.' },
});
