import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertValidKey,
  StorageError,
  StorageNotFoundError,
  StorageUnavailableError,
  translateStreamErrors,
  watchBody,
  type PutOptions,
  type Storage,
} from './common.js';

/**
 * File-system errors that a retry later can get past: a full disk or quota, a failing or
 * read-only (remounted after errors) device, a network mount that is away, too many open files.
 * Anything else (EACCES, ENOTDIR…) is a misconfiguration and stays a 500.
 */
const TRANSIENT_FS_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EROFS',
  'ESTALE',
  'ETIMEDOUT',
  'EHOSTDOWN',
  'ENOTCONN',
  'EMFILE',
  'ENFILE',
  'EAGAIN',
  'EBUSY',
]);

/** The store's own failure, classified: transient → 503 `storage_unavailable`, else a 500. */
function fsFailure(operation: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // A failed put removes its temp file and never renames it into place: nothing is kept.
  if (typeof code === 'string' && TRANSIENT_FS_CODES.has(code))
    return new StorageUnavailableError(operation, err, false);
  return new StorageError(operation, err);
}

/**
 * Stores objects as files under one folder (`STORAGE_DIR`). Writes go to a temp file next to the
 * target and are renamed into place, so readers never see half a file and a failed upload leaves
 * nothing behind. The content type is not kept: callers store it with their own metadata.
 */
export class LocalStorage implements Storage {
  readonly driver = 'local';
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  /** Absolute path of a key, refusing anything that would resolve outside the root. */
  private pathOf(key: string): string {
    assertValidKey(key);
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep))
      throw new Error(`storage key ${JSON.stringify(key)} escapes the root`);
    return full;
  }

  async put(key: string, body: Readable, _opts: PutOptions): Promise<{ size: number }> {
    const target = this.pathOf(key);
    const bodyError = watchBody(body);
    const tmp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o640 });
      await pipeline(body, out);
      const { size } = await stat(tmp);
      await rename(tmp, target);
      return { size };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      body.destroy();
      // The upload stream's own failure (413, client gone) is the caller's; the rest is the disk's.
      if (err === bodyError()) throw err;
      throw fsFailure('put', err);
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      // Opening first turns a missing file into a clean error instead of a failed stream mid-response.
      const handle = await open(file, 'r');
      return translateStreamErrors(handle.createReadStream(), (err) => fsFailure('get', err));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageNotFoundError(key);
      throw fsFailure('get', err);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsFailure('delete', err);
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw fsFailure('exists', err);
    }
  }
}
