import type { Server } from 'node:http';
import { expect } from 'chai';
import { createApp } from '../../api/app.js';
import { defineRoutes } from '../../api/route.js';
import { StrictObject, StringEnum, Type } from '../../lib/schema.js';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';

/** A private app with probe routes, so the error contract is tested apart from any one area. */
const probeRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/probe/echo',
    operationId: 'probeEcho',
    summary: 'echo',
    tags: ['probe'],
    access: 'public',
    query: StrictObject({ n: Type.Optional(Type.Integer({ minimum: 1 })) }),
    body: StrictObject({ name: Type.String({ minLength: 1 }), age: Type.Optional(Type.Integer()) }),
    handler: (ctx) => ({ body: ctx.state.body, query: ctx.state.query }),
  },
  {
    method: 'GET',
    path: '/probe/boom',
    operationId: 'probeBoom',
    summary: 'throws',
    tags: ['probe'],
    access: 'public',
    handler: () => {
      throw new Error('secret internal detail at /srv/app.ts:42');
    },
  },
  {
    method: 'GET',
    path: '/probe/sql/:kind',
    operationId: 'probeSql',
    summary: 'database errors',
    tags: ['probe'],
    access: 'public',
    params: StrictObject({ kind: StringEnum(['unique', 'check', 'cast'] as const) }),
    handler: async (ctx) => {
      const kind = ctx.state.params.kind;
      if (kind === 'cast') await db().raw(`select 'not-a-uuid'::uuid`);
      if (kind === 'check') await db().raw(`select 1/0`);
      if (kind === 'unique') {
        await db().raw('create temp table if not exists probe_u (x int unique)');
        await db().raw('insert into probe_u values (1), (1)');
      }
      return {};
    },
  },
  {
    method: 'GET',
    path: '/probe/private',
    operationId: 'probePrivate',
    summary: 'admins only',
    tags: ['probe'],
    access: ['admin'],
    handler: () => ({ ok: true }),
  },
]);

describe('API error contract', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createApp({ logger: services().logger, routes: probeRoutes }).listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await post('/api/v1/probe/echo', '{"name": ');
    expect(res.status).to.equal(400);
    expect(((await res.json()) as any).error.code).to.equal('malformed_json');
  });

  it('answers a JSON body over 1 MB with 413', async () => {
    const res = await post('/api/v1/probe/echo', JSON.stringify({ name: 'x'.repeat(1_100_000) }));
    expect(res.status).to.equal(413);
    expect(((await res.json()) as any).error.code).to.equal('payload_too_large');
  });

  it('lists every schema violation with its JSON pointer (400 validation_failed)', async () => {
    const res = await post('/api/v1/probe/echo?n=0', JSON.stringify({ age: 'old', role: 'admin' }));
    expect(res.status).to.equal(400);
    const { error } = (await res.json()) as any;
    expect(error.code).to.equal('validation_failed');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).to.include.members(['/name', '/age', '/role', '/query/n']);
  });

  it('coerces query strings but never body values', async () => {
    const ok = await post('/api/v1/probe/echo?n=3', JSON.stringify({ name: 'A', age: 4 }));
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ body: { name: 'A', age: 4 }, query: { n: 3 } });
    const bad = await post('/api/v1/probe/echo', JSON.stringify({ name: 'A', age: '4' }));
    expect(bad.status).to.equal(400);
  });

  it('hides unexpected errors behind a generic 500 without stack or message', async () => {
    const res = await fetch(base + '/api/v1/probe/boom');
    expect(res.status).to.equal(500);
    const text = await res.text();
    expect(JSON.parse(text).error.code).to.equal('internal_error');
    expect(text).not.to.contain('secret internal detail');
    expect(text).not.to.contain('app.ts');
  });

  it('maps database errors to 4xx: unique → 409, bad cast and division → 400', async () => {
    expect((await fetch(base + '/api/v1/probe/sql/unique')).status).to.equal(409);
    expect((await fetch(base + '/api/v1/probe/sql/cast')).status).to.equal(400);
    expect((await fetch(base + '/api/v1/probe/sql/check')).status).to.equal(400);
  });

  it('denies by default: no token → 401, and a forged or alg:none token → 401', async () => {
    expect((await fetch(base + '/api/v1/probe/private')).status).to.equal(401);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: '00000000-0000-0000-0000-000000000000', role: 'admin', gen: 0, jti: 'x' }),
    ).toString('base64url')}.`;
    const res = await fetch(base + '/api/v1/probe/private', { headers: { authorization: `Bearer ${none}` } });
    expect(res.status).to.equal(401);
  });

  it('answers an unknown path with 404 and a wrong method with 405 in the envelope', async () => {
    const res = await fetch(base + '/api/v1/nothing-here');
    expect(res.status).to.equal(404);
    expect(((await res.json()) as any).error.code).to.equal('not_found');
    const wrong = await fetch(base + '/api/v1/probe/boom', { method: 'DELETE' });
    expect(wrong.status).to.equal(405);
    expect(((await wrong.json()) as any).error.code).to.equal('method_not_allowed');
  });
});
