/** Response shapes of the reports routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, ListOf, StrictObject, StringEnum, Type, Uuid, type Static } from '../../../lib/schema.js';
import { REPORT_KINDS, REPORT_TYPES } from '../../../domain/reports/report.js';

export const AvatarStatus = StrictObject({
  avatarStatus: Type.Literal('pending'),
});
export type AvatarStatus = Static<typeof AvatarStatus>;

export const Report = Type.Object({
  id: Uuid,
  patientId: Uuid,
  title: Type.String(),
  kind: StringEnum(REPORT_KINDS),
  contentType: Type.String({ enum: Object.keys(REPORT_TYPES) }),
  size: Type.Integer({ description: 'Bytes.' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the stored file.' }),
  thumbnailStatus: StringEnum(['pending', 'ready', 'failed', 'none'] as const, {
    description: '`none` for PDFs: they are not rendered, `/thumbnail` serves a placeholder.',
  }),
  thumbnailError: Type.Optional(
    Type.String({ description: 'Why the thumbnail failed (only when `failed`).' }),
  ),
  thumbnailWidth: Type.Optional(Type.Integer()),
  thumbnailHeight: Type.Optional(Type.Integer()),
  uploadedBy: Type.Optional(Uuid),
  createdAt: DateTime,
});
export type Report = Static<typeof Report>;

export const ReportList = ListOf(Report);
export type ReportList = Static<typeof ReportList>;

/** Multipart bodies (read by the handler, described for the document). */
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
