import type { default as SharpFn, Sharp } from 'sharp';
import { services } from './services.js';

/**
 * Bounded image work. Decoding is what costs memory (a 40 MP picture is 120–160 MB of pixels), so
 * every decode of a user's image goes through {@link withImageSlot} (at most IMAGE_CONCURRENCY at
 * once per process) and through {@link openImage} (refuses more than IMAGE_MAX_PIXELS before
 * decoding). libvips runs one thread per image and keeps no operation cache: thumbnails of
 * different uploads never reuse each other's results, and the cache only held memory.
 */

let active = 0;
const waiting: (() => void)[] = [];

let loading: Promise<typeof SharpFn> | undefined;
let loaded: typeof SharpFn | undefined;

/**
 * sharp (libvips), imported and configured at the first image operation: images are the worker's
 * work (and the web process's report placeholders), and the import costs ≈ 25–30 MB of RSS.
 */
export function loadSharp(): Promise<typeof SharpFn> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(1);
    sharp.cache(false);
    loaded = sharp;
    return sharp;
  });
  return loading;
}

/**
 * Runs `fn` when one of the process's IMAGE_CONCURRENCY image slots is free (FIFO), with sharp
 * loaded, so {@link openImage} can be called inside it.
 */
export async function withImageSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= services().config.imageConcurrency) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    active += 1;
  }
  try {
    if (!loaded) await loadSharp();
    return await fn();
  } finally {
    // The slot passes straight to the next waiter, so `active` never exceeds the limit.
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  }
}

/** Number of image operations running now in this process (for tests and metrics). */
export const imageSlotsInUse = (): number => active;

/**
 * A sharp pipeline over an uploaded image that refuses, from the header and before any pixel is
 * decoded, images above IMAGE_MAX_PIXELS ("Input image exceeds pixel limit"), and fails on
 * truncated or corrupt data instead of rendering half a picture.
 */
export function openImage(input: Buffer): Sharp {
  if (!loaded) throw new Error('openImage is called inside withImageSlot, which loads sharp');
  return loaded(input, { failOn: 'error', limitInputPixels: services().config.imageMaxPixels });
}
