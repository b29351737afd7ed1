import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config.js';
import {
  assertValidKey,
  StorageNotFoundError,
  type PutOptions,
  type SignedUrlOptions,
  type Storage,
  contentDisposition,
} from './common.js';

export type S3Settings = NonNullable<Config['s3']>;

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

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
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...clientOptions,
    });
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    assertValidKey(key);
    if (opts.contentLength !== undefined) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: opts.contentLength,
          ContentType: opts.contentType,
        }),
      );
      return { size: opts.contentLength };
    }
    // A single PutObject needs the length up front; spooling to a temp file keeps memory flat and
    // means an aborted upload never reaches the bucket at all.
    const tmp = path.join(os.tmpdir(), `clinicflow-s3-${randomBytes(8).toString('hex')}`);
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      const { size } = await stat(tmp);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(tmp),
          ContentLength: size,
          ContentType: opts.contentType,
        }),
      );
      return { size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new StorageNotFoundError(key);
      return res.Body instanceof Readable
        ? res.Body
        : Readable.fromWeb(res.Body.transformToWebStream() as never);
    } catch (err) {
      if (isNotFound(err)) throw new StorageNotFoundError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    assertValidKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ResponseContentDisposition: contentDisposition(opts.filename),
      ResponseCacheControl: 'private, no-store',
    });
    return getSignedUrl(this.client, command, { expiresIn: opts.expiresIn });
  }
}
