import { createHmac, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { services } from '../../lib/services.js';
import { createUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

describe('token claims', () => {
  it('refuses a correctly signed JWT without exp (401 unauthorized), which would otherwise never expire', async () => {
    const user = await createUser('patient');
    const forever = jwt.sign({ role: 'patient', gen: 0 }, services().jwtSecret, {
      algorithm: 'HS256',
      subject: user.id,
      jwtid: randomUUID(),
    });
    expect(jwt.decode(forever, { json: true })).to.not.have.property('exp');
    const res = await api.as(forever).get('/users/me');
    expect(res.status, res.text).to.equal(401);
    expect(errorOf(res).code).to.equal('unauthorized');
  });

  it('refuses a JWT whose exp is not a number (401)', async () => {
    const user = await createUser('patient');
    // jsonwebtoken refuses to sign this, so it is assembled and HMAC-signed by hand.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ role: 'patient', gen: 0, iat: now, exp: 'tomorrow', sub: user.id, jti: randomUUID() })}`;
    const sig = createHmac('sha256', services().jwtSecret).update(unsigned).digest('base64url');
    const odd = `${unsigned}.${sig}`;
    expect((await api.as(odd).get('/users/me')).status).to.equal(401);
  });

  it('still accepts the tokens it issues (200)', async () => {
    const user = await createUser('patient');
    expect((await api.as(user.token).get('/users/me')).status).to.equal(200);
  });
});
