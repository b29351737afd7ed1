import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, StorageNotFoundError, type PutOptions, type Storage } from './common.js';

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
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o640 });
      await pipeline(body, out);
      const { size } = await stat(tmp);
      await rename(tmp, target);
      return { size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      // Opening first turns a missing file into a clean error instead of a failed stream mid-response.
      const handle = await open(file, 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageNotFoundError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
