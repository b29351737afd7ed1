/**
 * Report thumbnails: clinicflow's `makeThumbnail` against bare sharp
 * (`resize(320, 320, {fit: 'inside'}).webp()`) on the same generated photos. Each side runs in its own
 * child process, so its peak RSS (`resourceUsage().maxRSS`) is its own and not the other side's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { fmt, type BenchResult } from './lib.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 50);
const WIDTH = 2000;
const HEIGHT = 1500;
/** Thumbnails made at once on each side (a worker runs several report jobs at a time). */
const CONCURRENCY = 2;
const ROUNDS = 2;

interface ChildResult {
  perSecond: number;
  peakRssMb: number;
  bytes: number;
}

/** Runs in the child: thumbnails every image in `dir` ROUNDS times with `side`'s code. */
async function child(side: 'clinicflow' | 'bare', dir: string): Promise<ChildResult> {
  // makeThumbnail reads its limits (IMAGE_MAX_PIXELS, IMAGE_CONCURRENCY) from the configuration.
  const { loadConfig } = await import('../lib/config.js');
  const { createLogger } = await import('../lib/logger.js');
  const { setServices } = await import('../lib/services.js');
  setServices({
    config: loadConfig({}),
    logger: createLogger('silent'),
    mailer: undefined as never,
    jwtSecret: '',
  });
  const make =
    side === 'clinicflow'
      ? (await import('../domain/reports/make-thumbnail.js')).makeThumbnail
      : async (input: Buffer) => {
          const { data, info } = await sharp(input)
            .resize(320, 320, { fit: 'inside' })
            .webp()
            .toBuffer({ resolveWithObject: true });
          return { data, width: info.width, height: info.height };
        };
  const inputs = readdirSync(dir)
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
  // One warm-up image so libvips start-up is not counted.
  await make(inputs[0]);
  let bytes = 0;
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < inputs.length) {
          const { data } = await make(inputs[next++]);
          bytes += data.length;
        }
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    perSecond: (inputs.length * ROUNDS) / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    bytes,
  };
}

/** Noise photos (incompressible, the worst case for the decoder) written as JPEG files. */
async function makeImages(dir: string): Promise<void> {
  for (let i = 0; i < IMAGES; i++) {
    const jpeg = await sharp({
      create: {
        width: WIDTH,
        height: HEIGHT,
        channels: 3,
        background: { r: (i * 40) % 255, g: 120, b: 200 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.jpg`), jpeg);
  }
}

const self = fileURLToPath(import.meta.url);

async function runChild(side: string, dir: string): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', self, 'child', side, dir],
    { timeout: 300_000, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as ChildResult;
}

/** Runs the thumbnail benchmark and returns its result rows. */
export async function benchThumbnails(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-bench-images-'));
  try {
    await makeImages(dir);
    // Alternating, best of two: libvips' caches and the page cache warm up on the first run.
    const b1 = await runChild('bare', dir);
    const o1 = await runChild('clinicflow', dir);
    const b2 = await runChild('bare', dir);
    const o2 = await runChild('clinicflow', dir);
    const ours = {
      perSecond: Math.max(o1.perSecond, o2.perSecond),
      peakRssMb: Math.min(o1.peakRssMb, o2.peakRssMb),
    };
    const bare = {
      perSecond: Math.max(b1.perSecond, b2.perSecond),
      peakRssMb: Math.min(b1.peakRssMb, b2.peakRssMb),
    };
    const what = `${IMAGES} × ${WIDTH}×${HEIGHT} JPEG, ${CONCURRENCY} at a time`;
    return [
      {
        name: `thumbnails/s (${what})`,
        clinicflow: `${fmt(ours.perSecond, 1)}/s`,
        baseline: `${fmt(bare.perSecond, 1)}/s (bare sharp resize + webp)`,
        ratio: fmt(ours.perSecond / bare.perSecond, 2),
        target: '—',
        met: null,
      },
      {
        name: 'thumbnails: peak RSS of the process',
        clinicflow: `${fmt(ours.peakRssMb, 0)} MB`,
        baseline: `${fmt(bare.peakRssMb, 0)} MB`,
        ratio: fmt(bare.peakRssMb / ours.peakRssMb, 2),
        target: '—',
        met: null,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === self && process.argv[2] === 'child') {
  const result = await child(process.argv[3] as 'clinicflow' | 'bare', process.argv[4]);
  process.stdout.write(JSON.stringify(result));
}
