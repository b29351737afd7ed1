import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { errorOf, request } from '../helpers/http.js';

describe('API platform', () => {
  it('answers /healthz and /readyz with 200', async () => {
    expect((await request('GET', '/healthz')).body).to.deep.equal({ status: 'ok' });
    expect((await request('GET', '/readyz')).body).to.deep.equal({ status: 'ok' });
  });

  it('answers GET / with 200 and an index of where to go: API, docs, OpenAPI document, console', async () => {
    const res = await fetch(`${testContext().baseUrl}/`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body).to.include({
      name: 'clinicflow',
      api: '/api/v1',
      docs: '/docs',
      openapi: '/openapi.json',
      console: '/console',
    });
    expect((await request('GET', body.docs)).status).to.equal(200);
    expect((await request('GET', body.openapi)).status).to.equal(200);
  });

  it('answers an unknown route with 404 in the error envelope', async () => {
    const res = await request('GET', '/api/v1/no-such-thing');
    expect(res.status).to.equal(404);
    expect(errorOf(res).code).to.equal('not_found');
  });

  it('gives every response a request id, echoing a well-formed incoming one', async () => {
    const res = await request('GET', '/healthz', { headers: { 'x-request-id': 'test-request-0001' } });
    expect(res.headers.get('x-request-id')).to.equal('test-request-0001');
    const other = await request('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('serves an OpenAPI 3.1 document generated from the route table, and a docs page', async () => {
    const res = await request('GET', '/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(res.body.paths).to.have.property('/healthz');
    const docs = await request('GET', '/docs');
    expect(docs.status).to.equal(200);
    expect(docs.text).to.contain('swagger-ui');
    const asset = await request('GET', '/docs/swagger-ui-bundle.js');
    expect(asset.status).to.equal(200);
  });
});
