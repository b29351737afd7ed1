import sharp from 'sharp';

/** Longest side of a report thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIZE = 320;

/**
 * Renders a bounded WebP thumbnail (at most 320 × 320, aspect ratio kept, never enlarged) of an
 * image, oriented by its EXIF tag. Rejects when the bytes are not a decodable image.
 *
 * `failOn: 'error'` makes truncated or corrupt input fail instead of producing a half-grey picture,
 * and the pixel limit keeps a decompression bomb from exhausting memory.
 */
export async function makeThumbnail(input: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 })
    .autoOrient()
    .resize(THUMBNAIL_MAX_SIZE, THUMBNAIL_MAX_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
