import { brotliCompressSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { errorOf, request } from '../helpers/http.js';

const plain = JSON.stringify({ email: 'x@y.z', password: 'wrong password here' });

const send = (encoding: string, body: string | Buffer) =>
  request('POST', '/auth/login', {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
  });

describe('request body encodings', () => {
  for (const encoding of ['gzip', 'deflate', 'br']) {
    it(`answers a body labelled Content-Encoding: ${encoding} that is not compressed with 400 malformed_body`, async () => {
      const res = await send(encoding, plain);
      expect(res.status, res.text).to.equal(400);
      expect(errorOf(res).code).to.equal('malformed_body');
    });
  }

  it('answers a truncated gzip body with 400 malformed_body', async () => {
    const res = await send('gzip', gzipSync(plain).subarray(0, 20));
    expect(res.status, res.text).to.equal(400);
    expect(errorOf(res).code).to.equal('malformed_body');
  });

  it('answers an unknown Content-Encoding with 415 unsupported_media_type', async () => {
    const res = await send('zstd-but-not-really', plain);
    expect(res.status, res.text).to.equal(415);
    expect(errorOf(res).code).to.equal('unsupported_media_type');
  });

  it('still reads bodies that really are gzip or br compressed (401 for wrong credentials, not 400)', async () => {
    expect((await send('gzip', gzipSync(plain))).status).to.equal(401);
    expect((await send('br', brotliCompressSync(plain))).status).to.equal(401);
  });

  it('answers an uncompressed gzip-labelled webhook body with 400, not 500', async () => {
    const res = await request('POST', '/webhooks/stripe', {
      rawBody: '{"id":"evt_1"}',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'stripe-signature': 't=1,v1=00',
      },
    });
    expect(res.status, res.text).to.be.within(400, 499);
    errorOf(res);
  });
});
