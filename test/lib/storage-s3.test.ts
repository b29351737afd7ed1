import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import sharp from 'sharp';
import { setStorage, StorageNotFoundError, type Storage } from '../../lib/storage.js';
import { S3Storage } from '../../lib/storage/s3.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { drainJobs } from '../helpers/jobs.js';
import { api, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
// s3rver ships no type declarations; it is CommonJS.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

const BUCKET = 'clinicflow-test';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 storage (against s3rver)', () => {
  let server: S3rverInstance;
  let dir: string;
  let s3: S3Storage;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-s3rver-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    s3 = new S3Storage(
      { bucket: BUCKET, region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true },
      { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    );
  });

  after(async () => {
    s3?.client.destroy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a stream of unknown length byte for byte, and gets, checks and deletes it', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 256;
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );
    const { size } = await s3.put('reports/p1/obj-1', Readable.from(chunks), {
      contentType: 'application/pdf',
    });
    expect(size).to.equal(data.length);
    expect(await s3.exists('reports/p1/obj-1')).to.equal(true);
    expect((await readAll(await s3.get('reports/p1/obj-1'))).equals(data)).to.equal(true);
    await s3.delete('reports/p1/obj-1');
    await s3.delete('reports/p1/obj-1');
    expect(await s3.exists('reports/p1/obj-1')).to.equal(false);
    let err: unknown;
    await s3.get('reports/p1/obj-1').catch((e) => (err = e));
    expect(err).to.be.instanceOf(StorageNotFoundError);
  });

  it('leaves no object when the stream fails, and refuses traversal keys', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('client went away'));
      },
    });
    let err: unknown;
    await s3.put('reports/p1/broken', failing, { contentType: 'image/png' }).catch((e) => (err = e));
    expect((err as Error).message).to.equal('client went away');
    expect(await s3.exists('reports/p1/broken')).to.equal(false);
    for (const bad of ['../x', 'a/../../b', '/abs', 'a//b', '']) {
      let e: unknown;
      await s3
        .put(bad, Readable.from([Buffer.from('x')]), { contentType: 'image/png' })
        .catch((x) => (e = x));
      expect(e, bad).to.be.instanceOf(Error);
    }
  });

  it('signs a short-lived download URL that sets the attachment headers', async () => {
    await s3.put('reports/p1/signed', Readable.from([Buffer.from('%PDF-1.4 hello')]), {
      contentType: 'application/pdf',
    });
    const url = await s3.signedUrl('reports/p1/signed', {
      expiresIn: 60,
      filename: 'Lab result.pdf',
      contentType: 'application/pdf',
    });
    expect(url).to.match(/X-Amz-Expires=60/);
    const res = await fetch(url);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-disposition')).to.match(/^attachment; filename="Lab result\.pdf"/);
    expect(res.headers.get('content-type')).to.equal('application/pdf');
    expect(await res.text()).to.equal('%PDF-1.4 hello');
  });

  describe('through the API with S3 configured', () => {
    let previous: Storage | undefined;
    before(() => {
      previous = setStorage(s3);
    });
    after(() => {
      setStorage(previous);
    });

    it('uploads (201), thumbnails in the worker, and redirects downloads to a signed URL (302)', async () => {
      const patient = await createUser('patient');
      const image = await sharp({ create: { width: 640, height: 960, channels: 3, background: '#3366aa' } })
        .png()
        .toBuffer();
      const f = new FormData();
      f.append('title', 'MRI');
      f.append('kind', 'imaging');
      f.append('file', new Blob([new Uint8Array(image)]), 'mri.png');
      const up = await request('POST', `/patients/${patient.patientId}/reports`, {
        token: patient.token,
        rawBody: f,
      });
      expect(up.status).to.equal(201);
      const row = await testContext().knex('reports').where({ id: up.body.id }).first();
      expect(await s3.exists(row.storageKey)).to.equal(true);

      await waitUntil(
        async () =>
          (await api.as(patient.token).get(`/reports/${up.body.id}`)).body.thumbnailStatus === 'ready',
        15_000,
        'thumbnail',
      );
      const thumb = await fetch(`${testContext().baseUrl}/api/v1/reports/${up.body.id}/thumbnail`, {
        headers: { authorization: `Bearer ${patient.token}` },
      });
      expect(thumb.status).to.equal(200);
      expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).to.include({
        format: 'webp',
        width: 213,
        height: 320,
      });

      const dl = await request('GET', `/reports/${up.body.id}/file`, { token: patient.token });
      expect(dl.status).to.equal(302);
      const location = dl.headers.get('location')!;
      expect(location).to.match(/X-Amz-Signature=/);
      const file = await fetch(location);
      expect(Buffer.from(await file.arrayBuffer()).equals(image)).to.equal(true);
      expect(file.headers.get('content-disposition')).to.match(/^attachment; filename="MRI\.png"/);
    });

    it('resizes an avatar in the worker into the bucket, serves it, and removes the upload', async () => {
      const user = await createUser('doctor');
      const picture = await sharp({ create: { width: 500, height: 300, channels: 3, background: '#aa3366' } })
        .jpeg()
        .toBuffer();
      const f = new FormData();
      f.append('image', new Blob([new Uint8Array(picture)]), 'me.jpg');
      const put = await request('PUT', '/users/me/avatar', { token: user.token, rawBody: f });
      expect(put.status).to.equal(202);
      const pending = await testContext().knex('userAvatars').where({ userId: user.id }).first();
      expect(await s3.exists(pending.pendingKey)).to.equal(true);
      await drainJobs('resize_avatar');
      await drainJobs('delete_stored_object');
      const row = await testContext().knex('userAvatars').where({ userId: user.id }).first();
      expect(row).to.include({ status: 'ready', pendingKey: null });
      expect(await s3.exists(row.currentKey)).to.equal(true);
      expect(await s3.exists(pending.pendingKey)).to.equal(false);
      const got = await fetch(`${testContext().baseUrl}/api/v1/users/${user.id}/avatar`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      expect(got.status).to.equal(200);
      expect(await sharp(Buffer.from(await got.arrayBuffer())).metadata()).to.include({
        format: 'webp',
        width: 256,
        height: 256,
      });
    });
  });
});
