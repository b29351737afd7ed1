/**
 * Object storage away (S3 refusing connections, through a TCP proxy the test cuts): uploads and
 * downloads answer 503 `storage_unavailable` with Retry-After, never 500 and never the database's
 * 503; a failed upload leaves no row and no object; a thumbnail job fails transiently (retried),
 * without marking the report's thumbnail failed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import sharp from 'sharp';
import { makeReportThumbnail } from '../../domain/reports/make-report-thumbnail.js';
import { reportKey } from '../../domain/reports/report.js';
import {
  isDatabaseUnavailable,
  PayloadTooLargeError,
  StorageUnavailableError,
  toAppError,
} from '../../lib/errors.js';
import { setStorage, StorageError, type Storage } from '../../lib/storage.js';
import { LocalStorage } from '../../lib/storage/local.js';
import { S3Storage } from '../../lib/storage/s3.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { errorOf, request } from '../helpers/http.js';
import { jobsFor } from '../helpers/jobs.js';
import { startS3rver, S3RVER_CREDENTIALS, type LocalS3 } from '../helpers/s3rver.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const BUCKET = 'clinicflow-outage';

function reportForm(image: Buffer): FormData {
  const f = new FormData();
  f.append('title', 'X-ray');
  f.append('kind', 'imaging');
  f.append('file', new Blob([new Uint8Array(image)]), 'xray.png');
  return f;
}

describe('object storage unavailable (S3 refusing connections)', () => {
  let s3rver: LocalS3;
  let proxy: TcpProxy;
  let s3: S3Storage;
  let previous: Storage | undefined;
  let patient: TestUser;
  let image: Buffer;

  const objects = async (prefix: string): Promise<string[]> => {
    const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key ?? '');
  };

  before(async () => {
    s3rver = await startS3rver(BUCKET);
    proxy = new TcpProxy('127.0.0.1', s3rver.port);
    await proxy.restore();
    s3 = new S3Storage(
      {
        bucket: BUCKET,
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${proxy.port}`,
        forcePathStyle: true,
      },
      { credentials: S3RVER_CREDENTIALS },
    );
    previous = setStorage(s3);
    image = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
  });

  beforeEach(async () => {
    await proxy.restore();
    patient = await createUser('patient');
  });

  after(async () => {
    setStorage(previous);
    s3?.client.destroy();
    await proxy?.cut();
    await s3rver?.close();
  });

  it('a report upload answers 503 storage_unavailable with Retry-After, and leaves no row and no object', async () => {
    await proxy.cut();
    const res = await request('POST', `/patients/${patient.patientId}/reports`, {
      token: patient.token,
      rawBody: reportForm(image),
    });
    expect(res.status, res.text).to.equal(503);
    expect(errorOf(res).code).to.equal('storage_unavailable');
    expect(res.headers.get('retry-after')).to.match(/^\d+$/);
    const rows = await testContext().knex('reports').where({ patientId: patient.patientId });
    expect(rows, 'report rows').to.deep.equal([]);
    // Refused before a connection existed: nothing can be in the bucket, so no removal job either.
    expect(await jobsFor(`delete_stored_object:reports/${patient.patientId}/`)).to.deep.equal([]);

    await proxy.restore();
    expect(await objects(`reports/${patient.patientId}/`), 'objects left').to.deep.equal([]);
    const again = await request('POST', `/patients/${patient.patientId}/reports`, {
      token: patient.token,
      rawBody: reportForm(image),
    });
    expect(again.status, again.text).to.equal(201);
    const row = await testContext().knex('reports').where({ id: again.body.id }).first();
    expect(await objects(`reports/${patient.patientId}/`)).to.deep.equal([row.storageKey]);
  });

  it('an avatar upload answers 503 storage_unavailable and records nothing', async () => {
    await proxy.cut();
    const f = new FormData();
    f.append('image', new Blob([new Uint8Array(image)]), 'me.png');
    const res = await request('PUT', '/users/me/avatar', { token: patient.token, rawBody: f });
    expect(res.status, res.text).to.equal(503);
    expect(errorOf(res).code).to.equal('storage_unavailable');
    expect(res.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await testContext().knex('userAvatars').where({ userId: patient.id })).to.deep.equal([]);
    await proxy.restore();
    expect(await objects(`avatars/${patient.id}/`)).to.deep.equal([]);
  });

  it('a thumbnail job fails transiently while S3 is away (retried), leaving the thumbnail pending, and succeeds after', async () => {
    // A report recorded without a job, so the test, not the worker, decides when its thumbnail is made.
    const key = reportKey(patient.patientId!, `outage-${Date.now()}`);
    await s3.put(key, Readable.from([image]), { contentType: 'image/png', contentLength: image.length });
    const [report] = await testContext()
      .knex('reports')
      .insert({
        patientId: patient.patientId,
        title: 'X-ray',
        kind: 'imaging',
        contentType: 'image/png',
        size: image.length,
        sha256: '0'.repeat(64),
        storageKey: key,
        thumbnailStatus: 'pending',
        uploadedBy: patient.id,
      })
      .returning('*');
    await proxy.cut();
    let err: unknown;
    await makeReportThumbnail(report.id).catch((e) => (err = e));
    expect(err).to.be.instanceOf(StorageUnavailableError);
    const during = await testContext().knex('reports').where({ id: report.id }).first();
    expect(during).to.include({ thumbnailStatus: 'pending', thumbnailError: null });

    await proxy.restore();
    expect(await makeReportThumbnail(report.id)).to.equal('ready');
    const after = await testContext().knex('reports').where({ id: report.id }).first();
    expect(after.thumbnailStatus).to.equal('ready');
    expect(await s3.exists(after.thumbnailKey)).to.equal(true);
    // A ready thumbnail read while S3 is away: 503 storage_unavailable, not 500.
    await proxy.cut();
    const thumb = await request('GET', `/reports/${report.id}/thumbnail`, { token: patient.token });
    expect(thumb.status, thumb.text).to.equal(503);
    expect(errorOf(thumb).code).to.equal('storage_unavailable');
  });

  it('classifies at the source: refused → StorageUnavailableError, a missing bucket → StorageError (500); SDK errors are never the database', async () => {
    await proxy.cut();
    for (const attempt of [
      () => s3.put('x/y', Readable.from([Buffer.from('x')]), { contentType: 'text/plain', contentLength: 1 }),
      () => s3.get('x/y'),
      () => s3.delete('x/y'),
      () => s3.exists('x/y'),
    ]) {
      let err: unknown;
      await attempt().catch((e) => (err = e));
      expect(err).to.be.instanceOf(StorageUnavailableError);
      expect((err as StorageUnavailableError).maybeStored, 'a refused connection stored nothing').to.equal(
        false,
      );
      const mapped = toAppError(err);
      expect([mapped.status, mapped.code]).to.deep.equal([503, 'storage_unavailable']);
    }
    // What the SDK throws for a refused connection carries `$metadata`: never taken for the database.
    const sdkRefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3 },
    });
    expect(isDatabaseUnavailable(sdkRefused)).to.equal(false);
    await proxy.restore();
    const wrongBucket = new S3Storage(
      { bucket: 'no-such-bucket', region: 'us-east-1', endpoint: s3rver.endpoint, forcePathStyle: true },
      { credentials: S3RVER_CREDENTIALS },
    );
    let err: unknown;
    await wrongBucket
      .put('x/y', Readable.from([Buffer.from('x')]), { contentType: 'text/plain', contentLength: 1 })
      .catch((e) => (err = e));
    wrongBucket.client.destroy();
    expect(err).to.be.instanceOf(StorageError);
    expect(toAppError(err).status).to.equal(500);
  });

  it('the local driver: a misconfigured folder is a StorageError (500), a failing upload stream keeps its own error', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-local-'));
    try {
      const notAFolder = path.join(dir, 'file');
      writeFileSync(notAFolder, 'x');
      const local = new LocalStorage(notAFolder);
      let err: unknown;
      await local
        .put('a/b', Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })
        .catch((e) => (err = e));
      expect(err).to.be.instanceOf(StorageError);
      expect(toAppError(err).status).to.equal(500);
      const ok = new LocalStorage(dir);
      const tooLarge = new PayloadTooLargeError();
      const failing = new Readable({
        read() {
          this.destroy(tooLarge);
        },
      });
      err = undefined;
      await ok.put('a/c', failing, { contentType: 'text/plain' }).catch((e) => (err = e));
      expect(err).to.equal(tooLarge);
      expect(await ok.exists('a/c')).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
