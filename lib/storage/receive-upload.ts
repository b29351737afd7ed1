import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { fileTypeFromBuffer } from 'file-type';
import {
  AppError,
  PayloadTooLargeError,
  StorageUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import type { Storage } from './common.js';

/** How many leading bytes are sniffed for the real file type (file-type reads at most this many). */
const SNIFF_BYTES = 4100;
/** Room for multipart boundaries, part headers and the text fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

export interface ReceiveUploadOptions {
  /** Name of the multipart field that carries the file (`file`, `image`). */
  fileField: string;
  /** Largest accepted file in bytes; larger → 413 without buffering the body. */
  maxBytes: number;
  /** Accepted content types (as detected from the bytes) and the extension each is served with. */
  types: Readonly<Record<string, string>>;
  /** Text fields that may accompany the file; any other field is a 400. */
  fields: readonly string[];
  storage: Storage;
  /** The server-generated key the file is stored under, given its detected type. */
  keyFor: (detected: { contentType: string; ext: string }) => string;
  /**
   * Removes an object the upload may have left: one stored before the request failed, or one the
   * store may have kept although `put` failed (the connection dropped after the bytes went out).
   * Never throws. (Default: `storage.delete`, errors ignored; the domain passes a version that
   * queues a retrying job when the store is away.)
   */
  discard?: (key: string) => Promise<void>;
}

export interface ReceivedFile {
  key: string;
  /** Detected from the content, never taken from the part's declared type or its file name. */
  contentType: string;
  ext: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  file: ReceivedFile;
}

/**
 * Streams one multipart upload straight into storage and returns what was stored.
 * The file's type is decided by its first bytes (magic numbers) before anything is written; its
 * SHA-256 and size are computed on the way through. Nothing is buffered beyond the sniffed head and
 * the stream's own chunks, so memory stays flat whatever the client sends.
 *
 * Throws 415 for a body that is not multipart or a file of another type, 413 above `maxBytes`,
 * 400 for a missing file, extra files or unknown fields, 503 `storage_unavailable` when the store
 * cannot take the file. On any error no object is left behind (or its removal is queued, through
 * `discard`) and the rest of the request body is discarded (or the connection closed when it keeps
 * coming).
 */
export async function receiveUpload(
  req: IncomingMessage,
  opts: ReceiveUploadOptions,
): Promise<ReceivedUpload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes + MULTIPART_OVERHEAD) {
    // Reading a moderately oversized body lets the client see the 413; an absurd one is cut off.
    discard(req, declared <= 8 * opts.maxBytes ? declared : 0);
    throw tooLarge(opts.maxBytes);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        fileSize: opts.maxBytes,
        files: 1,
        // A little room past the accepted fields, so an unknown field is named in the 400.
        fields: opts.fields.length + 4,
        fieldSize: 4096,
        parts: opts.fields.length + 6,
      },
    });
  } catch {
    discard(req, 0);
    throw new UnsupportedMediaTypeError('Send the upload as multipart/form-data.');
  }

  const fields: Record<string, string> = {};
  let firstError: unknown;
  let stored: Promise<ReceivedFile> | undefined;
  const fail = (err: unknown) => {
    firstError ??= err;
  };

  parser.on('field', (name, value, info) => {
    if (!opts.fields.includes(name))
      return fail(
        new ValidationError('The request is invalid.', [
          { path: `/${name}`, message: 'is not an accepted field' },
        ]),
      );
    if (info.valueTruncated)
      return fail(
        new ValidationError('The request is invalid.', [{ path: `/${name}`, message: 'is too long' }]),
      );
    fields[name] = value;
  });
  // Settles when parsing is over, or as soon as storing the file fails (413/415): no need to wait
  // for the rest of a body that is already refused.
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  parser.on('file', (name, stream) => {
    if (name !== opts.fileField || stored) {
      stream.resume();
      return fail(
        new ValidationError('The request is invalid.', [
          { path: `/${name}`, message: `only one file, in the field "${opts.fileField}", is accepted` },
        ]),
      );
    }
    stored = storeFile(stream, opts);
    stored.catch(() => settle());
  });
  const tooMany = () => fail(new ValidationError('The request has too many parts.'));
  parser.on('filesLimit', tooMany);
  parser.on('fieldsLimit', tooMany);
  parser.on('close', () => settle());
  parser.on('error', () => {
    fail(new AppError(400, 'malformed_multipart', 'The multipart body could not be read.'));
    settle();
  });
  req.on('aborted', () => {
    fail(new AppError(400, 'request_aborted', 'The upload was interrupted.'));
    settle();
  });
  req.pipe(parser);
  await settled;

  const file = stored
    ? await stored.catch((err: unknown) => {
        fail(err);
        return undefined;
      })
    : undefined;
  if (firstError === undefined && file === undefined) {
    fail(
      new ValidationError('The request is invalid.', [
        { path: `/${opts.fileField}`, message: 'is required' },
      ]),
    );
  }
  if (firstError !== undefined) {
    req.unpipe(parser);
    parser.destroy();
    discard(req, opts.maxBytes);
    if (file) await discardObject(opts, file.key);
    throw firstError;
  }
  return { fields, file: file! };
}

const tooLarge = (maxBytes: number) =>
  new PayloadTooLargeError(`The file is larger than the limit of ${Math.floor(maxBytes / 1024)} KB.`);

/** Removes a possibly stored object without ever replacing the request's own error. */
async function discardObject(opts: ReceiveUploadOptions, key: string): Promise<void> {
  const remove = opts.discard ?? ((k: string) => opts.storage.delete(k));
  await remove(key).catch(() => undefined);
}

/**
 * Reads and drops the rest of a request we have already answered, so the client sees the response
 * instead of a reset; past `budget` more bytes the connection is closed instead.
 */
function discard(req: IncomingMessage, budget: number): void {
  if (req.readableEnded) return;
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > budget + MULTIPART_OVERHEAD) req.socket?.destroy();
  });
  req.resume();
}

/** Sniffs, hashes and stores one file part; rejects with 415/413 (the partial object is removed). */
async function storeFile(
  stream: Readable & { truncated?: boolean },
  opts: ReceiveUploadOptions,
): Promise<ReceivedFile> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < SNIFF_BYTES) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  const detected = first.length ? await fileTypeFromBuffer(first) : undefined;
  const ext = detected ? opts.types[detected.mime] : undefined;
  if (!detected || !ext) {
    stream.resume();
    throw new UnsupportedMediaTypeError(
      `Only ${Object.keys(opts.types).join(', ')} files are accepted (checked by content).`,
    );
  }
  const contentType = detected.mime;
  const hash = createHash('sha256');
  let size = 0;
  async function* body(): AsyncGenerator<Buffer> {
    hash.update(first);
    size += first.length;
    yield first;
    if (!done) {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        hash.update(next.value);
        size += next.value.length;
        yield next.value;
      }
    }
    // busboy ends a file at the size limit and marks it truncated: fail the write so nothing is kept.
    if (stream.truncated) throw tooLarge(opts.maxBytes);
  }
  const key = opts.keyFor({ contentType, ext });
  try {
    await opts.storage.put(key, Readable.from(body(), { objectMode: false }), { contentType });
  } catch (err) {
    // A failing body (413, client gone) leaves nothing, drivers guarantee that. A failing store
    // (503 storage_unavailable) may have kept the bytes if the connection dropped after they went
    // out: remove the key, or have it removed once the store is back. A refused connection kept
    // nothing, and needs no removal job.
    const storeFailed = !(err instanceof AppError) || err instanceof StorageUnavailableError;
    if (storeFailed && !(err instanceof StorageUnavailableError && !err.maybeStored))
      await discardObject(opts, key);
    throw err;
  }
  return { key, contentType, ext, size, sha256: hash.digest('hex') };
}
