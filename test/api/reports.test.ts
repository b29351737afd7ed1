import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import sharp from 'sharp';
import { makeReportThumbnail } from '../../domain/reports/make-report-thumbnail.js';
import { storage } from '../../lib/storage.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, mapPatient, type TestUser } from '../helpers/factories.js';
import { drainJobs } from '../helpers/jobs.js';
import { api, errorOf, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

/** A real PNG of the given size (a gradient, so it does not compress to nothing). */
async function png(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A minimal, valid one-page PDF. */
function pdf(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
}

/** Windows executable header (MZ … PE) padded out: what a renamed `.exe` looks like. */
function exe(): Buffer {
  const b = Buffer.alloc(4096);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

function form(
  file: { data: Buffer; name: string; type?: string } | undefined,
  fields: Record<string, string> = {},
  fileField = 'file',
) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file)
    f.append(
      fileField,
      new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  return f;
}

function upload(
  token: string,
  patientId: string,
  file: Parameters<typeof form>[0],
  fields: Record<string, string> = { title: 'Blood panel', kind: 'lab' },
) {
  return request('POST', `/patients/${patientId}/reports`, { token, rawBody: form(file, fields) });
}

async function download(token: string, p: string) {
  const res = await fetch(`${testContext().baseUrl}/api/v1${p}`, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

// A handle on V8's collector, so garbage left by earlier tests does not count as growth here.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const storedFiles = (patientId: string) => {
  const dir = path.join(testContext().config.storageDir, 'reports', patientId);
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('reports', () => {
  let doctor: TestUser;
  let patient: TestUser;
  let otherPatient: TestUser;
  let nurse: TestUser;
  let staff: TestUser;
  let admin: TestUser;
  let image: Buffer;

  before(async () => {
    [doctor, patient, otherPatient, nurse, staff, admin] = await Promise.all([
      createUser('doctor'),
      createUser('patient'),
      createUser('patient'),
      createUser('nurse'),
      createUser('staff'),
      createUser('admin'),
    ]);
    await mapPatient(patient.patientId!, doctor.id);
    image = await png(1200, 800);
  });

  it('stores an uploaded PNG (201) and the worker makes a bounded WebP thumbnail', async () => {
    const res = await upload(
      doctor.token,
      patient.patientId!,
      { data: image, name: 'scan.png', type: 'image/png' },
      { title: 'Chest X-ray', kind: 'imaging' },
    );
    expect(res.status).to.equal(201);
    expect(res.body).to.include({
      patientId: patient.patientId,
      title: 'Chest X-ray',
      kind: 'imaging',
      contentType: 'image/png',
      size: image.length,
      sha256: sha256(image),
      thumbnailStatus: 'pending',
      uploadedBy: doctor.id,
    });
    expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);

    const ready = await waitUntil(
      async () => {
        const r = await api.as(patient.token).get(`/reports/${res.body.id}`);
        return r.body.thumbnailStatus === 'ready' ? r : undefined;
      },
      15_000,
      'thumbnail',
    );
    expect(ready.body).to.include({ thumbnailWidth: 320, thumbnailHeight: 213 });

    const thumb = await download(patient.token, `/reports/${res.body.id}/thumbnail`);
    expect(thumb.res.status).to.equal(200);
    expect(thumb.res.headers.get('content-type')).to.equal('image/webp');
    expect(thumb.res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(thumb.res.headers.get('content-disposition')).to.match(/^attachment;/);
    const meta = await sharp(thumb.body).metadata();
    expect(meta).to.include({ format: 'webp', width: 320, height: 213 });

    // Running the job again changes nothing.
    expect(await makeReportThumbnail(res.body.id)).to.equal('skipped');
  });

  it('streams the file as an attachment with nosniff and audits the download', async () => {
    const up = await upload(
      patient.token,
      patient.patientId!,
      { data: image, name: 'mine.png', type: 'image/png' },
      { title: 'My "lab" / result', kind: 'lab' },
    );
    expect(up.status).to.equal(201);
    const { res, body } = await download(doctor.token, `/reports/${up.body.id}/file`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/png');
    expect(res.headers.get('content-length')).to.equal(String(image.length));
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('content-disposition')).to.equal(
      `attachment; filename="My _lab_ _ result.png"; filename*=UTF-8''My%20_lab_%20_%20result.png`,
    );
    expect(sha256(body)).to.equal(up.body.sha256);

    const audit = await testContext()
      .knex('auditEvents')
      .where({ entity: 'report', entityId: up.body.id })
      .orderBy('id');
    expect(audit.map((a) => [a.action, a.actorId, a.outcome])).to.deep.include.members([
      ['create', patient.id, 'success'],
      ['download', doctor.id, 'success'],
    ]);
    expect(audit.find((a) => a.action === 'download').patientId).to.equal(patient.patientId);
  });

  it('answers 415 for a renamed .exe sent as a PDF and for text named x.png, storing nothing', async () => {
    const walkIn = await createWalkInPatient();
    const a = await upload(nurse.token, walkIn.id, {
      data: exe(),
      name: 'report.pdf',
      type: 'application/pdf',
    });
    expect(a.status).to.equal(415);
    expect(errorOf(a).code).to.equal('unsupported_media_type');
    const b = await upload(nurse.token, walkIn.id, {
      data: Buffer.from('just some text, not an image\n'.repeat(20)),
      name: 'x.png',
      type: 'image/png',
    });
    expect(b.status).to.equal(415);
    const empty = await upload(nurse.token, walkIn.id, {
      data: Buffer.alloc(0),
      name: 'empty.png',
      type: 'image/png',
    });
    expect(empty.status).to.equal(415);
    expect(storedFiles(walkIn.id)).to.deep.equal([]);
    expect(await testContext().knex('reports').where({ patientId: walkIn.id })).to.have.length(0);
  });

  it('answers 413 to a 100 MB streamed upload without buffering it, and keeps nothing', async function () {
    this.timeout(60_000);
    const walkIn = await createWalkInPatient();
    const boundary = '----clinicflow-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHuge\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlab\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const pngHead = image.subarray(0, 64 * 1024);
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const total = 100 * 1024 * 1024;
    let sent = 0;
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (step === 0) controller.enqueue(new Uint8Array(head));
        else if (step === 1) controller.enqueue(new Uint8Array(pngHead));
        else if (sent < total) {
          controller.enqueue(chunk);
          sent += chunk.length;
        } else {
          controller.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
          controller.close();
        }
        step++;
      },
    });
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let res: Response;
    try {
      res = await fetch(`${testContext().baseUrl}/api/v1/patients/${walkIn.id}/reports`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${nurse.token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body,
        duplex: 'half',
      } as RequestInit);
    } finally {
      clearInterval(sampler);
    }
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('payload_too_large');
    expect(peak - before, 'rss growth').to.be.below(40 * 1024 * 1024);
    await waitUntil(() => storedFiles(walkIn.id).length === 0, 5_000, 'no partial file');
    expect(await testContext().knex('reports').where({ patientId: walkIn.id })).to.have.length(0);
  });

  it('answers 413 at once when the declared length is over the limit', async () => {
    const big = Buffer.alloc(testContext().config.uploadMaxBytes + 200 * 1024);
    image.copy(big);
    const res = await upload(nurse.token, patient.patientId!, {
      data: big,
      name: 'big.png',
      type: 'image/png',
    });
    expect(res.status).to.equal(413);
  });

  it('stores files with path-traversal names under generated keys', async () => {
    const walkIn = await createWalkInPatient();
    const res = await upload(
      staff.token,
      walkIn.id,
      { data: pdf(), name: '../../../../etc/cron.d/evil.pdf', type: 'application/pdf' },
      { title: '../../secret', kind: 'other' },
    );
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ contentType: 'application/pdf', thumbnailStatus: 'pending' });
    const row = await testContext().knex('reports').where({ id: res.body.id }).first();
    expect(row.storageKey).to.match(new RegExp(`^reports/${walkIn.id}/[0-9a-f-]{36}$`));
    expect(storedFiles(walkIn.id)).to.deep.equal([row.storageKey.split('/').pop()]);
    expect(existsSync(path.join(testContext().config.storageDir, '..', 'etc'))).to.equal(false);
    const { res: dl } = await download(nurse.token, `/reports/${res.body.id}/file`);
    expect(dl.headers.get('content-disposition')).to.match(/^attachment; filename="secret\.pdf"/);
  });

  it('serves a placeholder thumbnail while a PDF thumbnail is pending, then the rendered page', async () => {
    const res = await upload(
      doctor.token,
      patient.patientId!,
      { data: pdf(), name: 'r.pdf' },
      { title: 'Discharge letter', kind: 'other' },
    );
    expect(res.status).to.equal(201);
    expect(res.body.thumbnailStatus).to.equal('pending');
    await waitUntil(
      async () =>
        (await api.as(patient.token).get(`/reports/${res.body.id}`)).body.thumbnailStatus === 'ready',
      30_000,
      'PDF thumbnail',
    );
    const { res: t, body } = await download(patient.token, `/reports/${res.body.id}/thumbnail`);
    expect(t.status).to.equal(200);
    expect(t.headers.get('x-thumbnail-status')).to.equal(null);
    // US Letter (612 × 792 pt) → 247 × 320.
    expect(await sharp(body).metadata()).to.include({ format: 'webp', width: 247, height: 320 });
  });

  it('records a corrupt image as failed without retries, and keeps it downloadable', async () => {
    const corrupt = Buffer.concat([image.subarray(0, 200), Buffer.alloc(5000, 0xab)]);
    const res = await upload(
      doctor.token,
      patient.patientId!,
      { data: corrupt, name: 'broken.png' },
      { title: 'Broken', kind: 'imaging' },
    );
    expect(res.status).to.equal(201);
    const failed = await waitUntil(
      async () => {
        const r = await api.as(doctor.token).get(`/reports/${res.body.id}`);
        return r.body.thumbnailStatus === 'failed' ? r : undefined;
      },
      15_000,
      'failed thumbnail',
    );
    expect(failed.body.thumbnailError).to.match(/could not be decoded/);
    const jobs = await testContext().knex.raw(
      `select count(*)::int as n from graphile_worker.jobs where key = ?`,
      [`make_report_thumbnail:${res.body.id}`],
    );
    expect(jobs.rows[0].n).to.equal(0);
    const { res: dl, body } = await download(doctor.token, `/reports/${res.body.id}/file`);
    expect(dl.status).to.equal(200);
    expect(body.equals(corrupt)).to.equal(true);
    const { res: t } = await download(doctor.token, `/reports/${res.body.id}/thumbnail`);
    expect(t.headers.get('x-thumbnail-status')).to.equal('failed');
  });

  it("answers 404 for another patient's report and list, 403 for staff reads and admin uploads", async () => {
    const up = await upload(
      otherPatient.token,
      otherPatient.patientId!,
      { data: image, name: 'o.png' },
      { title: 'Other', kind: 'lab' },
    );
    expect(up.status).to.equal(201);
    const strangerDoctor = await createUser('doctor');
    for (const who of [patient, strangerDoctor]) {
      for (const p of [
        `/reports/${up.body.id}`,
        `/reports/${up.body.id}/file`,
        `/reports/${up.body.id}/thumbnail`,
        `/patients/${otherPatient.patientId}/reports`,
      ]) {
        const res = await api.as(who.token).get(p);
        expect(res.status, `${who.role} ${p}`).to.equal(404);
        expect(errorOf(res).code).to.equal('not_found');
      }
      const post = await upload(who.token, otherPatient.patientId!, { data: image, name: 'x.png' });
      expect(post.status).to.equal(404);
      expect((await api.as(who.token).delete(`/reports/${up.body.id}`)).status).to.equal(404);
    }
    expect((await api.as(staff.token).get(`/reports/${up.body.id}`)).status).to.equal(403);
    expect((await api.as(staff.token).get(`/patients/${otherPatient.patientId}/reports`)).status).to.equal(
      403,
    );
    expect(
      (await upload(admin.token, otherPatient.patientId!, { data: image, name: 'a.png' })).status,
    ).to.equal(403);
    expect((await api.as(admin.token).get(`/reports/${up.body.id}`)).status).to.equal(200);
    expect((await api.as(nurse.token).get(`/reports/${up.body.id}`)).status).to.equal(200);
    expect((await api.as(undefined).get(`/reports/${up.body.id}`)).status).to.equal(401);
    const denied = await testContext()
      .knex('auditEvents')
      .where({ entity: 'report', actorId: strangerDoctor.id, outcome: 'denied' });
    expect(denied.length).to.be.greaterThan(0);
  });

  it('rejects bad multipart input with 4xx envelopes', async () => {
    const pid = patient.patientId!;
    const file = { data: image, name: 'a.png' };
    const cases: [Promise<Awaited<ReturnType<typeof request>>>, number, string][] = [
      [upload(doctor.token, pid, file, { kind: 'lab' }), 400, '/title'],
      [upload(doctor.token, pid, file, { title: 'x', kind: 'selfie' }), 400, '/kind'],
      [upload(doctor.token, pid, file, { title: 'x', kind: 'lab', role: 'admin' }), 400, '/role'],
      [upload(doctor.token, pid, undefined, { title: 'x', kind: 'lab' }), 400, '/file'],
      [api.as(doctor.token).post(`/patients/${pid}/reports`, { title: 'x', kind: 'lab' }), 415, ''],
      [upload(doctor.token, 'not-a-uuid', file), 400, '/params/id'],
    ];
    for (const [pending, status, where] of cases) {
      const res = await pending;
      expect(res.status, where).to.equal(status);
      const e = errorOf(res);
      if (where)
        expect(
          e.details?.map((d) => d.path),
          where,
        ).to.include(where);
    }
    const two = form(file, { title: 'x', kind: 'lab' });
    two.append('file', new Blob([new Uint8Array(image)]), 'b.png');
    const res = await request('POST', `/patients/${pid}/reports`, { token: doctor.token, rawBody: two });
    expect(res.status).to.equal(400);
    expect(storedFiles(pid).length).to.equal(
      await testContext()
        .knex('reports')
        .where({ patientId: pid })
        .count('* as n')
        .first()
        .then((r) => Number(r!.n)),
    );
  });

  it("lists a patient's reports newest first with cursor pages and a kind filter", async () => {
    const walkIn = await createWalkInPatient();
    const ids: string[] = [];
    for (const kind of ['lab', 'imaging', 'lab']) {
      const r = await upload(
        nurse.token,
        walkIn.id,
        { data: pdf(), name: 'r.pdf' },
        { title: `R ${kind}`, kind },
      );
      ids.push(r.body.id);
    }
    const first = await api.as(nurse.token).get(`/patients/${walkIn.id}/reports?limit=2`);
    expect(first.status).to.equal(200);
    expect(first.body.items.map((r: { id: string }) => r.id)).to.deep.equal([ids[2], ids[1]]);
    const second = await api
      .as(nurse.token)
      .get(`/patients/${walkIn.id}/reports?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).to.deep.include({ nextCursor: null });
    expect(second.body.items.map((r: { id: string }) => r.id)).to.deep.equal([ids[0]]);
    const labs = await api.as(nurse.token).get(`/patients/${walkIn.id}/reports?kind=lab`);
    expect(labs.body.items.map((r: { id: string }) => r.id)).to.deep.equal([ids[2], ids[0]]);
    expect((await api.as(nurse.token).get(`/patients/${walkIn.id}/reports?cursor=garbage`)).status).to.equal(
      400,
    );
    expect(first.body.items[0]).to.not.have.property('storageKey');
  });

  it('lets the uploader delete a report (204): later reads 404 and a job removes the stored objects', async () => {
    const up = await upload(
      doctor.token,
      patient.patientId!,
      { data: image, name: 'd.png' },
      { title: 'To delete', kind: 'lab' },
    );
    await waitUntil(
      async () => (await api.as(doctor.token).get(`/reports/${up.body.id}`)).body.thumbnailStatus === 'ready',
      15_000,
      'thumbnail',
    );
    const row = await testContext().knex('reports').where({ id: up.body.id }).first();
    expect(await storage().exists(row.thumbnailKey)).to.equal(true);

    expect((await api.as(nurse.token).delete(`/reports/${up.body.id}`)).status).to.equal(403);
    expect((await api.as(patient.token).delete(`/reports/${up.body.id}`)).status).to.equal(403);
    const del = await api.as(doctor.token).delete(`/reports/${up.body.id}`);
    expect(del.status).to.equal(204);
    expect((await api.as(doctor.token).get(`/reports/${up.body.id}`)).status).to.equal(404);
    expect((await api.as(doctor.token).get(`/reports/${up.body.id}/file`)).status).to.equal(404);
    expect((await api.as(doctor.token).delete(`/reports/${up.body.id}`)).status).to.equal(404);
    await drainJobs('delete_stored_object');
    expect(await storage().exists(row.storageKey)).to.equal(false);
    expect(await storage().exists(row.thumbnailKey)).to.equal(false);
    const audit = await testContext()
      .knex('auditEvents')
      .where({ entity: 'report', entityId: up.body.id, action: 'delete' });
    expect(audit).to.have.length(1);
  });

  it('lets an admin delete any report (204)', async () => {
    const up = await upload(
      nurse.token,
      otherPatient.patientId!,
      { data: pdf(), name: 'x.pdf' },
      { title: 'Misfiled', kind: 'other' },
    );
    expect((await api.as(admin.token).delete(`/reports/${up.body.id}`)).status).to.equal(204);
    expect((await api.as(nurse.token).get(`/reports/${up.body.id}`)).status).to.equal(404);
  });
});
