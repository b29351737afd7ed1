import { openImage, withImageSlot } from '../../lib/images.js';

/** Longest side of a report thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIZE = 320;

/**
 * Renders a bounded WebP thumbnail (at most 320 × 320, aspect ratio kept, never enlarged) of an
 * image, oriented by its EXIF tag. Rejects when the bytes are not a decodable image.
 *
 * Truncated or corrupt input fails instead of producing a half-grey picture, and images above
 * IMAGE_MAX_PIXELS are refused before decoding, so a decompression bomb cannot exhaust memory; at
 * most IMAGE_CONCURRENCY images are decoded at once (lib/images.ts).
 */
export async function makeThumbnail(input: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await withImageSlot(() =>
    openImage(input)
      .autoOrient()
      .resize(THUMBNAIL_MAX_SIZE, THUMBNAIL_MAX_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true }),
  );
  return { data, width: info.width, height: info.height };
}
