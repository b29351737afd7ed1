import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { storage } from '../../lib/storage.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { drainJobs } from '../helpers/jobs.js';
import { errorOf, request } from '../helpers/http.js';

async function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .jpeg()
    .toBuffer();
}

function putAvatar(token: string, data: Buffer, name = 'me.jpg', field = 'image') {
  const f = new FormData();
  f.append(field, new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), name);
  return request('PUT', '/users/me/avatar', { token, rawBody: f });
}

async function fetchAvatar(token: string, url: string) {
  const appUrl = testContext().config.appUrl;
  expect(url.startsWith(`${appUrl}/api/v1/users/`)).to.equal(true);
  const res = await fetch(testContext().baseUrl + url.slice(appUrl.length), {
    headers: { authorization: `Bearer ${token}` },
  });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

const avatarUrlOf = async (userId: string) =>
  (await testContext().knex('users').where({ id: userId }).first()).avatarUrl as string | null;

describe('avatars', () => {
  it('accepts a picture (202) and the worker makes a 256 × 256 WebP that avatarUrl serves', async () => {
    const patient = await createUser('patient');
    const res = await putAvatar(patient.token, await jpeg(900, 600));
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ avatarStatus: 'pending' });
    await drainJobs('resize_avatar');
    const url = await avatarUrlOf(patient.id);
    expect(url).to.match(new RegExp(`/api/v1/users/${patient.id}/avatar\\?v=[0-9a-f]{8}$`));
    const { res: got, body } = await fetchAvatar(patient.token, url!);
    expect(got.status).to.equal(200);
    expect(got.headers.get('content-type')).to.equal('image/webp');
    expect(await sharp(body).metadata()).to.include({ format: 'webp', width: 256, height: 256 });
    // The uploaded original is removed once the avatar exists.
    await drainJobs('delete_stored_object');
    const row = await testContext().knex('userAvatars').where({ userId: patient.id }).first();
    expect(row).to.include({ status: 'ready', pendingKey: null });
    const uploads = await testContext().knex('userAvatars').where({ userId: patient.id }).first();
    const dir = path.join(testContext().config.storageDir, 'avatars', patient.id);
    expect(readdirSync(dir)).to.deep.equal([uploads.currentKey.split('/').pop()]);
    expect(uploads.currentKey).to.match(new RegExp(`^avatars/${patient.id}/[0-9a-f-]{36}\\.webp$`));
  });

  it('replaces the previous avatar and removes its stored object', async () => {
    const doctor = await createUser('doctor');
    expect((await putAvatar(doctor.token, await jpeg(300, 300))).status).to.equal(202);
    await drainJobs('resize_avatar');
    const first = await testContext().knex('userAvatars').where({ userId: doctor.id }).first();
    const firstUrl = await avatarUrlOf(doctor.id);
    expect((await putAvatar(doctor.token, await jpeg(400, 1000))).status).to.equal(202);
    await drainJobs('resize_avatar');
    await drainJobs('delete_stored_object');
    const second = await testContext().knex('userAvatars').where({ userId: doctor.id }).first();
    expect(second.currentKey).to.not.equal(first.currentKey);
    expect(await avatarUrlOf(doctor.id)).to.not.equal(firstUrl);
    expect(await storage().exists(first.currentKey)).to.equal(false);
    expect(await storage().exists(second.currentKey)).to.equal(true);
  });

  it('answers 415 for a text file named .jpg and 400 without an image field', async () => {
    const user = await createUser('nurse');
    const text = await putAvatar(user.token, Buffer.from('hello, not a picture'.repeat(50)), 'x.jpg');
    expect(text.status).to.equal(415);
    expect(errorOf(text).code).to.equal('unsupported_media_type');
    const pdf = await putAvatar(user.token, Buffer.from('%PDF-1.4\n%%EOF\n'), 'x.jpg');
    expect(pdf.status).to.equal(415);
    const wrongField = await putAvatar(user.token, await jpeg(10, 10), 'x.jpg', 'file');
    expect(wrongField.status).to.equal(400);
    expect((await request('PUT', '/users/me/avatar', { rawBody: new FormData() })).status).to.equal(401);
    expect(await testContext().knex('userAvatars').where({ userId: user.id }).first()).to.equal(undefined);
  });

  it('records an undecodable picture as failed and keeps the old avatar', async () => {
    const user = await createUser('staff');
    const good = await jpeg(100, 100);
    await putAvatar(user.token, good);
    await drainJobs('resize_avatar');
    const url = await avatarUrlOf(user.id);
    const broken = Buffer.concat([good.subarray(0, 64), Buffer.alloc(4096, 0x11)]);
    expect((await putAvatar(user.token, broken)).status).to.equal(202);
    await drainJobs('resize_avatar');
    const row = await testContext().knex('userAvatars').where({ userId: user.id }).first();
    expect(row.status).to.equal('failed');
    expect(row.error).to.match(/could not be decoded/);
    expect(await avatarUrlOf(user.id)).to.equal(url);
  });

  it("hides a patient's avatar from other patients (404) but not from the care team", async () => {
    const [a, b, nurse] = await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('nurse'),
    ]);
    await putAvatar(a.token, await jpeg(64, 64));
    await drainJobs('resize_avatar');
    const url = (await avatarUrlOf(a.id))!;
    expect((await fetchAvatar(b.token, url)).res.status).to.equal(404);
    expect((await fetchAvatar(nurse.token, url)).res.status).to.equal(200);
    expect((await fetchAvatar(a.token, url)).res.status).to.equal(200);
    expect((await request('GET', `/users/${nurse.id}/avatar`, { token: a.token })).status).to.equal(404);
  });
});
