import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import {
  assertValidKey,
  contentDisposition,
  createStorage,
  StorageNotFoundError,
} from '../../lib/storage.js';
import { LocalStorage } from '../../lib/storage/local.js';
import { S3Storage } from '../../lib/storage/s3.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('local storage', () => {
  let dir: string;
  let store: LocalStorage;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-storage-'));
    store = new LocalStorage(path.join(dir, 'root'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts, gets, checks and deletes an object (deleting twice is fine)', async () => {
    const { size } = await store.put('reports/p/1', Readable.from([Buffer.from('abc'), Buffer.from('def')]), {
      contentType: 'application/pdf',
    });
    expect(size).to.equal(6);
    expect(await store.exists('reports/p/1')).to.equal(true);
    expect((await readAll(await store.get('reports/p/1'))).toString()).to.equal('abcdef');
    await store.delete('reports/p/1');
    await store.delete('reports/p/1');
    expect(await store.exists('reports/p/1')).to.equal(false);
    let err: unknown;
    await store.get('reports/p/1').catch((e) => (err = e));
    expect(err).to.be.instanceOf(StorageNotFoundError);
  });

  it('leaves neither the object nor a temp file when the stream fails', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('aborted'));
      },
    });
    let err: unknown;
    await store.put('reports/p/2', failing, { contentType: 'image/png' }).catch((e) => (err = e));
    expect((err as Error).message).to.equal('aborted');
    expect(readdirSync(path.join(dir, 'root', 'reports', 'p'))).to.deep.equal([]);
  });

  it('refuses keys that could leave the root', async () => {
    for (const bad of ['../escape', 'a/../../b', '/etc/passwd', 'a/./b', 'a//b', 'a\\b', '..', '.', '']) {
      expect(() => assertValidKey(bad), bad).to.throw(/invalid storage key/);
      let err: unknown;
      await store
        .put(bad, Readable.from([Buffer.from('x')]), { contentType: 'image/png' })
        .catch((e) => (err = e));
      expect(err, bad).to.be.instanceOf(Error);
    }
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(() => assertValidKey('thumbnails/0b0c.webp')).to.not.throw();
  });

  it('picks the driver from the configuration', () => {
    expect(createStorage({ storageDir: dir, s3: undefined })).to.be.instanceOf(LocalStorage);
    const s3 = createStorage({
      storageDir: dir,
      s3: { bucket: 'b', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true },
    });
    expect(s3).to.be.instanceOf(S3Storage);
    (s3 as S3Storage).client.destroy();
  });

  it('builds Content-Disposition values that cannot break the header', () => {
    expect(contentDisposition('Résultat "x".pdf')).to.equal(
      `attachment; filename="R_sultat _x_.pdf"; filename*=UTF-8''R%C3%A9sultat%20%22x%22.pdf`,
    );
    expect(contentDisposition('a\r\nSet-Cookie: x.pdf')).to.not.match(/[\r\n]/);
  });
});
