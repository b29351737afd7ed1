import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { makeThumbnail } from '../../domain/reports/make-thumbnail.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { errorOf, request } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

/** A PNG of noise: it does not compress, so its size is about width × height × 3 bytes. */
function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** A huge but flat PNG: a few hundred KB on the wire, `width × height` pixels once decoded. */
function flatPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#7a8b9c' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

function upload(token: string, patientId: string, data: Buffer) {
  const f = new FormData();
  f.append('title', 'Scan');
  f.append('kind', 'imaging');
  f.append('file', new Blob([new Uint8Array(data)], { type: 'image/png' }), 'scan.png');
  return request('POST', `/patients/${patientId}/reports`, { token, rawBody: f });
}

const storedFiles = (patientId: string) => {
  const dir = path.join(testContext().config.storageDir, 'reports', patientId);
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

/** Runs `fn` with some configuration values changed, then puts them back. */
async function withConfig<T>(
  values: Partial<ReturnType<typeof testContext>['config']>,
  fn: () => Promise<T>,
): Promise<T> {
  const config = testContext().config as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, config[k]]));
  Object.assign(config, values);
  try {
    return await fn();
  } finally {
    Object.assign(config, saved);
  }
}

describe('upload and image limits', () => {
  let patient: TestUser;
  beforeEach(async () => {
    patient = await createUser('patient');
  });

  it('stores a 10000×10000 PNG (201) but refuses to decode it: the thumbnail fails cleanly with the pixel limit as reason', async function () {
    this.timeout(60_000);
    expect(testContext().config.imageMaxPixels).to.equal(40_000_000);
    const huge = await flatPng(10_000, 10_000);
    const res = await upload(patient.token, patient.patientId!, huge);
    expect(res.status, res.text).to.equal(201);
    const row = await waitUntil(
      async () => {
        const r = await testContext().knex('reports').where({ id: res.body.id }).first();
        return r?.thumbnailStatus !== 'pending' ? r : undefined;
      },
      30_000,
      'the thumbnail job',
    );
    expect(row.thumbnailStatus).to.equal('failed');
    expect(row.thumbnailError).to.match(/pixel limit/i);
    const file = await request('GET', `/reports/${res.body.id}/file`, { token: patient.token });
    expect(file.status).to.equal(200);
  });

  it('makes thumbnails of images up to the limit and rejects one just above it', async function () {
    this.timeout(60_000);
    await withConfig({ imageMaxPixels: 4_000_000 }, async () => {
      const ok = await makeThumbnail(await flatPng(2000, 2000));
      expect(ok.width).to.equal(320);
      let failure: unknown;
      await makeThumbnail(await flatPng(2001, 2000)).catch((err: unknown) => (failure = err));
      expect(String(failure)).to.match(/pixel limit/i);
    });
  });

  it('limits uploads per user per hour (UPLOAD_RATE_LIMIT_PER_HOUR): the next one is 429 rate_limited and nothing is stored', async () => {
    const small = await noisePng(40, 40);
    await withConfig({ uploadRateLimitPerHour: 3 }, async () => {
      for (let i = 0; i < 3; i++)
        expect((await upload(patient.token, patient.patientId!, small)).status).to.equal(201);
      const limited = await upload(patient.token, patient.patientId!, small);
      expect(limited.status, limited.text).to.equal(429);
      expect(errorOf(limited).code).to.equal('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 3600);
      const avatar = new FormData();
      avatar.append('image', new Blob([new Uint8Array(small)], { type: 'image/png' }), 'me.png');
      const limitedAvatar = await request('PUT', '/users/me/avatar', {
        token: patient.token,
        rawBody: avatar,
      });
      expect(limitedAvatar.status, limitedAvatar.text).to.equal(429);
    });
    expect(storedFiles(patient.patientId!)).to.equal(3);
    await drainJobs();
  });

  it('refuses an upload that would take a patient past UPLOAD_QUOTA_MB (413 quota_exceeded), keeping nothing of it', async () => {
    const part = await noisePng(350, 350); // ≈ 370 KB
    await withConfig({ uploadQuotaMb: 1 }, async () => {
      expect((await upload(patient.token, patient.patientId!, part)).status).to.equal(201);
      expect((await upload(patient.token, patient.patientId!, part)).status).to.equal(201);
      const over = await upload(patient.token, patient.patientId!, part);
      expect(over.status, over.text).to.equal(413);
      expect(errorOf(over).code).to.equal('quota_exceeded');
    });
    expect(storedFiles(patient.patientId!)).to.equal(2);
    const rows = await testContext().knex('reports').where({ patientId: patient.patientId! });
    expect(rows).to.have.length(2);
    await drainJobs();
  });

  it('holds the quota under concurrent uploads: of 5 parallel 370 KB uploads into 1 MB, at most 2 are stored', async () => {
    const part = await noisePng(350, 350);
    await withConfig({ uploadQuotaMb: 1 }, async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => upload(patient.token, patient.patientId!, part)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).to.have.length(2);
      expect(statuses.filter((s) => s === 413)).to.have.length(3);
    });
    const sum = await testContext()
      .knex('reports')
      .where({ patientId: patient.patientId! })
      .whereNull('deletedAt')
      .sum({ total: 'size' })
      .first();
    expect(Number(sum?.total)).to.be.at.most(1024 * 1024);
    await waitUntil(() => storedFiles(patient.patientId!) === 2, 5_000, 'refused objects to be removed');
    await drainJobs();
  });
});
