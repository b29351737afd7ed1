import { loadSharp } from '../../lib/images.js';
import { THUMBNAIL_MAX_SIZE } from './make-thumbnail.js';

// A page with a folded corner and text lines: shapes only, so no font has to be installed.
const SVG = (
  accent: string,
) => `<svg xmlns="http://www.w3.org/2000/svg" width="${THUMBNAIL_MAX_SIZE}" height="${THUMBNAIL_MAX_SIZE}" viewBox="0 0 320 320">
  <rect width="320" height="320" fill="#f1f3f5"/>
  <path d="M90 40 H200 L240 80 V280 H90 Z" fill="#ffffff" stroke="#adb5bd" stroke-width="4"/>
  <path d="M200 40 V80 H240" fill="#e9ecef" stroke="#adb5bd" stroke-width="4"/>
  <rect x="110" y="110" width="110" height="10" rx="5" fill="#ced4da"/>
  <rect x="110" y="140" width="110" height="10" rx="5" fill="#ced4da"/>
  <rect x="110" y="170" width="80" height="10" rx="5" fill="#ced4da"/>
  <rect x="110" y="220" width="110" height="34" rx="6" fill="${accent}"/>
</svg>`;

const ACCENTS = { pdf: '#e03131', pending: '#74c0fc', failed: '#adb5bd' } as const;
export type PlaceholderVariant = keyof typeof ACCENTS;

const cache = new Map<PlaceholderVariant, Promise<Buffer>>();

/**
 * A generic 320 × 320 WebP "document" picture served by `/reports/:id/thumbnail` while a thumbnail
 * is pending, when it failed, and for reports without a thumbnail (`none`: PDFs uploaded before PDF
 * thumbnails existed).
 * Rendered once per variant and kept in memory (about 1 KB each).
 */
export function placeholderThumbnail(variant: PlaceholderVariant): Promise<Buffer> {
  let image = cache.get(variant);
  if (!image) {
    // sharp is loaded at the first placeholder (lib/images.ts), not when the web process starts.
    image = loadSharp().then((sharp) =>
      sharp(Buffer.from(SVG(ACCENTS[variant])))
        .webp({ quality: 80 })
        .toBuffer(),
    );
    image.catch(() => cache.delete(variant));
    cache.set(variant, image);
  }
  return image;
}
