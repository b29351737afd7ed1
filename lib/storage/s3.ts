import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type * as S3Presigner from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config.js';
import {
  assertValidKey,
  StorageError,
  StorageNotFoundError,
  StorageUnavailableError,
  translateStreamErrors,
  watchBody,
  type PutOptions,
  type SignedUrlOptions,
  type Storage,
  contentDisposition,
} from './common.js';

export type S3Settings = NonNullable<Config['s3']>;

/**
 * The AWS SDK, loaded when the first S3Storage is built (the presigner at the first signed URL), or
 * at start by a web process with S3_BUCKET set ({@link loadS3Sdk}): only such processes use it, and
 * importing it costs ≈ 25–40 MB of RSS. Both packages
 * are CommonJS (their `main`; `import` loads the same files), so a synchronous `require` keeps
 * `storage()` synchronous.
 */
const requireSdk = createRequire(import.meta.url);
let sdk: typeof S3Sdk | undefined;
let presigner: typeof S3Presigner | undefined;
function s3Sdk(): typeof S3Sdk {
  if (sdk) return sdk;
  const loaded: typeof S3Sdk = requireSdk('@aws-sdk/client-s3');
  sdk = loaded;
  return loaded;
}
function s3Presigner(): typeof S3Presigner {
  if (presigner) return presigner;
  const loaded: typeof S3Presigner = requireSdk('@aws-sdk/s3-request-presigner');
  presigner = loaded;
  return loaded;
}

/**
 * Loads the SDK now: a process configured for S3 calls this at start, so its first upload or
 * download does not wait ≈ 90 ms for the require.
 */
export function loadS3Sdk(): void {
  s3Sdk();
  s3Presigner();
}

interface SdkError {
  name?: string;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const isNotFound = (err: unknown): boolean => {
  const e = err as SdkError | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

/** S3 error names that mean "busy or slow, try again", whatever the status code says. */
const TRANSIENT_S3_ERRORS = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'TooManyRequestsException',
  'TimeoutError',
]);

/** Socket errors raised before a connection exists: nothing can have reached the store. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Classifies a failure of an S3 call (after the SDK's own retries): no HTTP answer at all (refused,
 * reset, DNS, socket timeout: Node's `code`, the SDK's `TimeoutError`), a 5xx, a 429 or a
 * SlowDown-like name → 503 `storage_unavailable`; any other answer (403 AccessDenied, NoSuchBucket,
 * a bad signature) is a configuration problem → {@link StorageError}, a 500 with its cause logged.
 */
function s3Failure(operation: string, err: unknown): Error {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const transport = status === undefined && (typeof e.code === 'string' || e.name === 'TimeoutError');
  if (
    transport ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    TRANSIENT_S3_ERRORS.has(e.name ?? '')
  ) {
    return new StorageUnavailableError(
      operation,
      err,
      !(typeof e.code === 'string' && NEVER_CONNECTED.has(e.code)),
    );
  }
  return new StorageError(operation, err);
}

const quiet = () => undefined;
const QUIET = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

/** Connecting to the store gives up after this long (a blackholed endpoint, not only a refused one). */
const CONNECT_TIMEOUT_MS = 5_000;
/** A request whose socket stays silent this long fails (a store that accepts but never answers). */
const SOCKET_TIMEOUT_MS = 30_000;

/**
 * Stores objects in an S3 bucket or an S3-compatible store (MinIO, Ceph, s3rver) via
 * `S3_ENDPOINT` + `S3_FORCE_PATH_STYLE`. Credentials come from the SDK's usual chain
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a profile, or the instance role).
 *
 * Checksums are only computed when an operation requires them: several S3-compatible servers
 * mishandle the SDK's default streaming checksums and store corrupted bytes without an error.
 */
export class S3Storage implements Storage {
  readonly driver = 's3';
  readonly client: S3Client;
  private readonly bucket: string;

  /** `clientOptions` adds to the client configuration (tests pass fixed credentials). */
  constructor(settings: S3Settings, clientOptions: Partial<S3ClientConfig> = {}) {
    this.bucket = settings.bucket;
    this.client = new (s3Sdk().S3Client)({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without these a store that stops answering holds uploads and thumbnail jobs forever.
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_TIMEOUT_MS },
      // The SDK otherwise prints to the console ("error … in a non-retryable streaming request");
      // every failure is classified here and logged, with its context, by whoever catches it.
      logger: QUIET,
      ...clientOptions,
    });
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    assertValidKey(key);
    const bodyError = watchBody(body);
    if (opts.contentLength !== undefined) {
      try {
        await this.client.send(
          new (s3Sdk().PutObjectCommand)({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: opts.contentLength,
            ContentType: opts.contentType,
          }),
        );
      } catch (err) {
        if (err === bodyError()) throw err;
        throw s3Failure('put', err);
      }
      return { size: opts.contentLength };
    }
    // A single PutObject needs the length up front; spooling to a temp file keeps memory flat and
    // means an aborted upload never reaches the bucket at all.
    const tmp = path.join(os.tmpdir(), `clinicflow-s3-${randomBytes(8).toString('hex')}`);
    try {
      try {
        await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      } catch (err) {
        if (err === bodyError()) throw err;
        // The spool disk failed (full, read-only): the store cannot take the upload now.
        throw new StorageUnavailableError('put', err, false);
      }
      const { size } = await stat(tmp);
      // The stream opens its file lazily: when the store refuses at once, the file is removed (below)
      // before the stream gets to open it, and its ENOENT would be an unhandled 'error' event that
      // ends the process. Read errors during a real upload still reach the SDK's own listener.
      const spooled = createReadStream(tmp);
      spooled.on('error', () => undefined);
      try {
        await this.client.send(
          new (s3Sdk().PutObjectCommand)({
            Bucket: this.bucket,
            Key: key,
            Body: spooled,
            ContentLength: size,
            ContentType: opts.contentType,
          }),
        );
      } catch (err) {
        throw s3Failure('put', err);
      } finally {
        spooled.destroy();
      }
      return { size };
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    let res;
    try {
      res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) throw new StorageNotFoundError(key);
      throw s3Failure('get', err);
    }
    if (!res.Body) throw new StorageNotFoundError(key);
    const body =
      res.Body instanceof Readable ? res.Body : Readable.fromWeb(res.Body.transformToWebStream() as never);
    // A connection cut mid-download fails the stream: as a storage failure, not a bare ECONNRESET.
    return translateStreamErrors(body, (err) => s3Failure('get', err));
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw s3Failure('delete', err);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw s3Failure('exists', err);
    }
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    assertValidKey(key);
    const command = new (s3Sdk().GetObjectCommand)({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ResponseContentDisposition: contentDisposition(opts.filename),
      ResponseCacheControl: 'private, no-store',
    });
    return s3Presigner().getSignedUrl(this.client, command, { expiresIn: opts.expiresIn });
  }
}
