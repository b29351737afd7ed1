/**
 * Renders the first page of a PDF to PNG with pdfjs-dist (and the `@napi-rs/canvas` it brings),
 * isolated so that a hostile PDF cannot hang or exhaust the worker process:
 *
 * - it runs in a `worker_thread` with a heap cap (`resourceLimits`), terminated after a time limit
 *   (a PDF whose content stream loops or whose images take forever to decode is cut off);
 * - the page size is checked before anything is drawn: pages larger than the PDF format's own
 *   limit (14 400 pt = 200 in per side) or with an aspect ratio beyond 20:1 are refused, and the
 *   canvas is scaled so the longest side is the thumbnail size, so the pixel count is bounded
 *   (at most 320 × 320) whatever the page claims;
 * - JavaScript in the PDF is never run (`isEvalSupported: false`, no scripting), forms and XFA are
 *   not rendered, and fonts are drawn from pdfjs's bundled standard fonts only.
 *
 * Encrypted, broken and zero-page documents reject with a {@link PdfRenderError}.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export class PdfRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfRenderError';
  }
}

export interface PdfRenderLimits {
  /** Longest side of the rendered PNG, in pixels. (Default: 320) */
  maxSide: number;
  /** Wall-clock limit of one render, in ms. (Default: 15 000) */
  timeoutMs: number;
  /** Heap limit of the render thread, in MB. (Default: 256) */
  maxHeapMb: number;
  /** Largest page side accepted, in PDF points. (Default: 14 400, the PDF format's limit) */
  maxPagePoints: number;
  /** Largest aspect ratio accepted (long side ÷ short side). (Default: 20) */
  maxAspect: number;
}

export const DEFAULT_PDF_LIMITS: PdfRenderLimits = {
  maxSide: 320,
  timeoutMs: 15_000,
  maxHeapMb: 256,
  maxPagePoints: 14_400,
  maxAspect: 20,
};

const require = createRequire(import.meta.url);
const pdfjsDir = path.dirname(require.resolve('pdfjs-dist/package.json'));
const PDFJS_URL = pathToFileURL(path.join(pdfjsDir, 'legacy/build/pdf.mjs')).href;
const FONTS_DIR = path.join(pdfjsDir, 'standard_fonts') + path.sep;

// Plain JavaScript run in the thread (eval), so it needs no build step and works from src and dist.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { data, limits, pdfjsUrl, fontsDir } = workerData;
  const fail = (message) => parentPort.postMessage({ error: message });
  let doc;
  try {
    const pdfjs = await import(pdfjsUrl);
    doc = await pdfjs.getDocument({
      data: new Uint8Array(data),
      isEvalSupported: false,
      enableScripting: false,
      enableXfa: false,
      disableFontFace: true,
      useSystemFonts: false,
      standardFontDataUrl: fontsDir,
      verbosity: 0,
      stopAtErrors: false,
    }).promise;
  } catch (err) {
    const name = err && err.name;
    return fail(name === 'PasswordException' ? 'The PDF is encrypted.' : 'The PDF could not be read: ' + (err && err.message));
  }
  try {
    if (doc.numPages < 1) return fail('The PDF has no pages.');
    const page = await doc.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const long = Math.max(base.width, base.height), short = Math.min(base.width, base.height);
    if (!(short > 0) || long > limits.maxPagePoints) return fail('The first page is ' + Math.round(base.width) + ' × ' + Math.round(base.height) + ' pt, beyond the ' + limits.maxPagePoints + ' pt limit.');
    if (long / short > limits.maxAspect) return fail('The first page is too narrow to show (aspect ratio ' + (long / short).toFixed(0) + ':1).');
    const scale = limits.maxSide / long;
    const viewport = page.getViewport({ scale });
    const w = Math.max(1, Math.round(viewport.width)), h = Math.max(1, Math.round(viewport.height));
    const cc = doc.canvasFactory.create(w, h);
    cc.context.fillStyle = '#ffffff';
    cc.context.fillRect(0, 0, w, h);
    await page.render({ canvasContext: cc.context, viewport, canvas: cc.canvas, annotationMode: 0 }).promise;
    const png = cc.canvas.toBuffer('image/png');
    parentPort.postMessage({ png, width: w, height: h });
  } catch (err) {
    fail('The first page could not be rendered: ' + (err && err.message));
  } finally {
    try { await doc.destroy(); } catch {}
  }
})().catch((err) => parentPort.postMessage({ error: String(err && err.message) }));
`;

/** Renders page 1 of `pdf` to a PNG at most `maxSide` px on its longest side. */
export function renderPdfFirstPage(
  pdf: Buffer,
  limits: PdfRenderLimits = DEFAULT_PDF_LIMITS,
): Promise<{ png: Buffer; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { data: pdf, limits, pdfjsUrl: PDFJS_URL, fontsDir: FONTS_DIR },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => finish(() => reject(new PdfRenderError(`Rendering took longer than ${limits.timeoutMs} ms.`))),
      limits.timeoutMs,
    );
    worker.on('message', (m: { error?: string; png?: Uint8Array; width?: number; height?: number }) => {
      if (m.error) finish(() => reject(new PdfRenderError(m.error!.slice(0, 400))));
      else finish(() => resolve({ png: Buffer.from(m.png!), width: m.width!, height: m.height! }));
    });
    worker.on('error', (err) =>
      finish(() => reject(new PdfRenderError(`The PDF renderer stopped: ${err.message}`.slice(0, 400)))),
    );
    worker.on('exit', (code) =>
      finish(() => reject(new PdfRenderError(`The PDF renderer exited (code ${code}) without a result.`))),
    );
  });
}
