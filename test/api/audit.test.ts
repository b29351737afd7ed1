import { expect } from 'chai';
import { execFile } from 'node:child_process';
import pg from 'pg';
import { promisify } from 'node:util';
import { verifyAuditChain } from '../../domain/audit/verify-chain.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const run = promisify(execFile);

/** Runs `npm run audit:verify`'s script against the test database; resolves with its exit code and output. */
async function verifyCli(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/verify-audit.ts'], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: testContext().databaseUrl, LOG_LEVEL: 'silent' },
      timeout: 30_000,
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('audit log', function () {
  this.timeout(60_000);
  let doctor: TestUser;
  let admin: TestUser;

  before(async () => {
    [doctor, admin] = await Promise.all([createUser('doctor'), createUser('admin')]);
  });

  it('writes a row for every read of clinical data with actor, role, patient, ip, request id and UTC time', async () => {
    const p = await createWalkInPatient();
    await mapPatient(p.id, doctor.id);
    const headers = { 'x-request-id': `audit-read-${Date.now()}` };
    expect((await api.as(doctor.token).get(`/patients/${p.id}/record`, { headers })).status).to.equal(200);
    expect((await api.as(doctor.token).get(`/patients/${p.id}/visits`, { headers })).status).to.equal(200);
    const rows = await testContext()
      .knex('auditEvents')
      .where({ patientId: p.id, requestId: headers['x-request-id'] })
      .orderBy('id');
    expect(rows.map((r) => [r.entity, r.action, r.outcome, r.actorId, r.actorRole])).to.deep.equal([
      ['medical_record', 'read', 'success', doctor.id, 'doctor'],
      ['visit', 'list', 'success', doctor.id, 'doctor'],
    ]);
    expect(rows[0].ip).to.be.a('string').and.not.equal('');
    expect(rows[0].occurredAt).to.be.instanceOf(Date);
  });

  it("writes a denied row for another user's record (404) and for a role without access (403)", async () => {
    const [patient, other, staff] = await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('staff'),
    ]);
    const notVisible = await api.as(other.token).get(`/patients/${patient.patientId}/record`);
    expect(notVisible.status).to.equal(404);
    const role = await api.as(staff.token).get(`/patients/${patient.patientId}/visits`);
    expect(role.status).to.equal(403);
    const rows = await testContext()
      .knex('auditEvents')
      .where({ patientId: patient.patientId, outcome: 'denied' })
      .orderBy('id');
    expect(rows.map((r) => [r.actorId, r.entity, r.action, r.details.reason])).to.deep.equal([
      [other.id, 'medical_record', 'read', 'not_visible'],
      [staff.id, 'visit', 'read', 'role'],
    ]);
  });

  it('answers GET /admin/audit with filters, newest first, paginated; the query itself is audited (200)', async () => {
    const p = await createWalkInPatient();
    await mapPatient(p.id, doctor.id);
    const nurse = await createUser('nurse');
    await api.as(doctor.token).get(`/patients/${p.id}/record`);
    await api.as(nurse.token).put(`/patients/${p.id}/record`, {
      allergies: [],
      conditions: [],
      surgeries: [],
      lifestyle: {},
      familyHistory: [],
      version: 0,
    });
    await api.as(nurse.token).get(`/patients/${p.id}/record`);
    const all = await api.as(admin.token).get(`/admin/audit?patientId=${p.id}&entity=medical_record`);
    expect(all.status).to.equal(200);
    expect(
      all.body.items.map((e: { action: string; actorId: string }) => [e.action, e.actorId]),
    ).to.deep.equal([
      ['read', nurse.id],
      ['create', nurse.id],
      ['read', doctor.id],
    ]);
    const byActor = await api
      .as(admin.token)
      .get(`/admin/audit?patientId=${p.id}&actorId=${nurse.id}&action=read&limit=1`);
    expect(byActor.body.items).to.have.length(1);
    expect(byActor.body.nextCursor).to.equal(null);
    const page = await api.as(admin.token).get(`/admin/audit?patientId=${p.id}&limit=2`);
    const next = await api
      .as(admin.token)
      .get(`/admin/audit?patientId=${p.id}&limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).to.be.below(page.body.items[1].id);
    const future = await api
      .as(admin.token)
      .get(
        `/admin/audit?patientId=${p.id}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
    expect(future.body.items).to.deep.equal([]);
    const self = await testContext()
      .knex('auditEvents')
      .where({ actorId: admin.id, entity: 'audit_log' })
      .count('* as n')
      .first();
    expect(self!.n).to.be.at.least(4);
    for (const q of ['outcome=maybe', 'actorId=1', 'from=yesterday', 'cursor=%%%', 'limit=1000', 'hash=x']) {
      const res = await api.as(admin.token).get(`/admin/audit?${q}`);
      expect(res.status, q).to.equal(400);
      errorOf(res);
    }
  });

  it('keeps the chain linear in id order when many audited requests run at once', async () => {
    const p = await createWalkInPatient();
    await mapPatient(p.id, doctor.id);
    const reads = await Promise.all(
      Array.from({ length: 24 }, () => api.as(doctor.token).get(`/patients/${p.id}/record`)),
    );
    expect(reads.map((r) => r.status)).to.deep.equal(reads.map(() => 200));
    const report = await verifyAuditChain(testContext().knex);
    expect(report.ok, JSON.stringify(report.broken)).to.equal(true);
  });

  it("does not make an audited transaction wait for another connection's uncommitted audit row", async () => {
    // One chain per backend pid % 16: hold a row uncommitted on one connection, then write on a
    // connection of another chain; with a single chain the second insert would wait for the COMMIT.
    const url = testContext().databaseUrl;
    const holder = new pg.Client({ connectionString: url });
    const others: pg.Client[] = [];
    await holder.connect();
    try {
      const insert = `insert into audit_events (entity, action, outcome, details, prev_hash, hash)
                      values ('test', 'chain_probe', 'success', '{}', '', '') returning chain`;
      await holder.query('begin');
      const held = (await holder.query(insert)).rows[0].chain;
      let other: pg.Client | undefined;
      while (!other) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        others.push(c);
        const pid = (await c.query('select pg_backend_pid() as pid')).rows[0].pid;
        if (pid % 16 !== held) other = c;
      }
      await other.query(`set statement_timeout = '2s'`);
      const written = (await other.query(insert)).rows[0].chain;
      expect(written).to.not.equal(held);
      await holder.query('commit');
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await Promise.all([holder, ...others].map((c) => c.end()));
    }
    const report = await verifyAuditChain(testContext().knex);
    expect(report.ok, JSON.stringify(report.broken)).to.equal(true);
    expect(report.heads.length).to.be.greaterThan(1);
    expect(report.heads.map((h) => h.id)).to.include(report.headId);
  });

  it('detects a row removed from the middle of a chain (prev_hash_mismatch in that chain)', async () => {
    const knex = testContext().knex;
    const p = await createWalkInPatient();
    await mapPatient(p.id, doctor.id);
    for (let i = 0; i < 3; i++)
      expect((await api.as(doctor.token).get(`/patients/${p.id}/record`)).status).to.equal(200);
    // A chain with at least one row after the victim, so its successor's link breaks.
    const { rows } = await knex.raw(
      `select id, chain from audit_events a
        where exists (select 1 from audit_events b where b.chain = a.chain and b.id > a.id)
        order by id desc limit 1`,
    );
    const victim = rows[0] as { id: number; chain: number };
    const saved = (
      await knex.raw('select row_to_json(a)::text as row from audit_events a where id = ?', [victim.id])
    ).rows[0].row;
    await knex.raw('alter table audit_events disable trigger audit_events_append_only_trg');
    try {
      await knex('auditEvents').delete().where({ id: victim.id });
    } finally {
      await knex.raw('alter table audit_events enable trigger audit_events_append_only_trg');
    }
    try {
      const report = await verifyAuditChain(knex);
      expect(report.ok).to.equal(false);
      expect(report.broken).to.include({ chain: victim.chain, reason: 'prev_hash_mismatch' });
      expect(report.broken?.id).to.be.greaterThan(victim.id);
    } finally {
      // Put the row back as it was (the chain trigger would recompute it, so it is off meanwhile).
      await knex.raw('alter table audit_events disable trigger audit_events_chain_trg');
      try {
        await knex.raw(
          'insert into audit_events overriding system value select (json_populate_record(null::audit_events, ?::json)).*',
          [saved],
        );
      } finally {
        await knex.raw('alter table audit_events enable trigger audit_events_chain_trg');
      }
    }
    expect((await verifyAuditChain(knex)).ok).to.equal(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the application (the trigger raises)', async () => {
    const knex = testContext().knex;
    const [row] = await knex('auditEvents').select('id').orderBy('id', 'desc').limit(1);
    for (const attempt of [
      () => knex('auditEvents').update({ outcome: 'success' }).where({ id: row.id }),
      () => knex('auditEvents').delete().where({ id: row.id }),
      () => knex.raw('truncate audit_events'),
    ]) {
      let error: { code?: string } | undefined;
      try {
        await attempt();
      } catch (err) {
        error = err as { code?: string };
      }
      expect(error?.code).to.equal('42501');
    }
  });

  it('verifies the hash chain, detects a tampered row (exit 1) and verifies again once restored', async () => {
    const knex = testContext().knex;
    const intact = await verifyAuditChain(knex);
    expect(intact.ok, JSON.stringify(intact.broken)).to.equal(true);
    expect(intact.checked).to.be.greaterThan(5);
    const cli = await verifyCli();
    expect(cli.code, cli.out).to.equal(0);
    expect(cli.out).to.contain('intact');
    expect(cli.out).to.match(/chain \d+: head #\d+ [0-9a-f]{64}/);

    const [victim] = await knex('auditEvents').where({ outcome: 'denied' }).orderBy('id').limit(1);
    // A superuser can switch the trigger off; the chain is what still gives them away.
    await knex.raw('alter table audit_events disable trigger audit_events_append_only_trg');
    try {
      await knex('auditEvents').update({ outcome: 'success' }).where({ id: victim.id });
    } finally {
      await knex.raw('alter table audit_events enable trigger audit_events_append_only_trg');
    }
    try {
      const report = await verifyAuditChain(knex);
      expect(report.ok).to.equal(false);
      expect(report.broken).to.include({ id: victim.id, reason: 'hash_mismatch' });
      const tampered = await verifyCli();
      expect(tampered.code, tampered.out).to.equal(1);
      expect(tampered.out).to.contain(`#${victim.id}`);
    } finally {
      await knex.raw('alter table audit_events disable trigger audit_events_append_only_trg');
      try {
        await knex('auditEvents').update({ outcome: victim.outcome }).where({ id: victim.id });
      } finally {
        await knex.raw('alter table audit_events enable trigger audit_events_append_only_trg');
      }
    }
    expect((await verifyAuditChain(knex)).ok).to.equal(true);
  });
});
