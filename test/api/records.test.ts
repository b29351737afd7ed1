import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const record = (allergy: string) => ({
  allergies: [{ substance: allergy, reaction: 'hives', severity: 'moderate' }],
  conditions: [{ name: 'asthma', status: 'active', since: '2010-03-01' }],
  surgeries: [{ procedure: 'appendectomy', date: '2015-07-20' }],
  lifestyle: { smoking: 'never', alcohol: 'occasional', exercise: 'running' },
  familyHistory: [{ relation: 'mother', condition: 'diabetes type 2' }],
});

describe('medical records', () => {
  let doctor: TestUser;
  let nurse: TestUser;

  before(async () => {
    [doctor, nurse] = await Promise.all([createUser('doctor'), createUser('nurse')]);
  });

  async function patientInCare() {
    const p = await createWalkInPatient();
    await mapPatient(p.id, doctor.id);
    return p.id;
  }

  it('returns an empty record at version 0 with ETag "0" before the first write (200)', async () => {
    const id = await patientInCare();
    const res = await api.as(doctor.token).get(`/patients/${id}/record`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('etag')).to.equal('"0"');
    expect(res.body).to.deep.equal({
      patientId: id,
      allergies: [],
      conditions: [],
      surgeries: [],
      lifestyle: {},
      familyHistory: [],
      version: 0,
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('creates with If-Match "0", updates with the ETag it got, and keeps every version (200)', async () => {
    const id = await patientInCare();
    const first = await api
      .as(doctor.token)
      .put(`/patients/${id}/record`, record('penicillin'), { headers: { 'if-match': '"0"' } });
    expect(first.status).to.equal(200);
    expect(first.headers.get('etag')).to.equal('"1"');
    expect(first.body).to.deep.include({
      version: 1,
      updatedBy: doctor.id,
      allergies: record('penicillin').allergies,
    });
    const second = await api.as(nurse.token).put(`/patients/${id}/record`, record('latex'), {
      headers: { 'if-match': first.headers.get('etag')! },
    });
    expect(second.status).to.equal(200);
    expect(second.body.version).to.equal(2);
    const read = await api.as(doctor.token).get(`/patients/${id}/record`);
    expect(read.body.allergies[0].substance).to.equal('latex');
    expect(read.headers.get('etag')).to.equal('"2"');
    const versions = await testContext()
      .knex('medicalRecordVersions')
      .where({ patientId: id })
      .orderBy('version');
    expect(versions.map((v) => [v.version, v.data.allergies[0].substance, v.updatedBy])).to.deep.equal([
      [1, 'penicillin', doctor.id],
      [2, 'latex', nurse.id],
    ]);
  });

  it('refuses a stale write with 409 stale_version and loses nothing', async () => {
    const id = await patientInCare();
    await api.as(doctor.token).put(`/patients/${id}/record`, { ...record('penicillin'), version: 0 });
    await api.as(nurse.token).put(`/patients/${id}/record`, { ...record('latex'), version: 1 });
    const stale = await api
      .as(doctor.token)
      .put(`/patients/${id}/record`, { ...record('peanuts'), version: 1 });
    expect(stale.status).to.equal(409);
    expect(errorOf(stale).code).to.equal('stale_version');
    const staleCreate = await api
      .as(doctor.token)
      .put(`/patients/${id}/record`, record('peanuts'), { headers: { 'if-match': 'W/"0"' } });
    expect(staleCreate.status).to.equal(409);
    const read = await api.as(doctor.token).get(`/patients/${id}/record`);
    expect(read.body).to.include({ version: 2 });
    expect(read.body.allergies[0].substance).to.equal('latex');
    const failure = await testContext()
      .knex('auditEvents')
      .where({ patientId: id, entity: 'medical_record', outcome: 'failure' })
      .orderBy('id');
    expect(failure).to.have.length(2);
    expect(failure[0].details).to.deep.include({
      reason: 'stale_version',
      expectedVersion: 1,
      currentVersion: 2,
    });
  });

  it('lets exactly one of several concurrent writes at the same version win (200 + 409s)', async () => {
    const id = await patientInCare();
    for (const version of [0, 1]) {
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((s) =>
          api.as(nurse.token).put(`/patients/${id}/record`, { ...record(`substance-${s}`), version }),
        ),
      );
      const codes = results.map((r) => r.status).sort();
      expect(codes, `at version ${version}`).to.deep.equal([200, 409, 409, 409]);
    }
    const versions = await testContext()
      .knex('medicalRecordVersions')
      .where({ patientId: id })
      .pluck('version');
    expect(versions.sort()).to.deep.equal([1, 2]);
  });

  it('requires a version: 428 precondition_required without If-Match or version', async () => {
    const id = await patientInCare();
    const res = await api.as(doctor.token).put(`/patients/${id}/record`, record('x'));
    expect(res.status).to.equal(428);
    expect(errorOf(res).code).to.equal('precondition_required');
  });

  it('rejects bad input with a 400 envelope', async () => {
    const id = await patientInCare();
    const bad: [Record<string, unknown>, Record<string, string>][] = [
      [{ ...record('x'), version: -1 }, {}],
      [{ ...record('x'), version: 1 }, { 'if-match': '"2"' }],
      [record('x'), { 'if-match': '*' }],
      [{ ...record('x'), allergies: 'penicillin', version: 0 }, {}],
      [{ ...record('x'), allergies: [{ reaction: 'no substance' }], version: 0 }, {}],
      [{ ...record('x'), lifestyle: { smoking: 'sometimes' }, version: 0 }, {}],
      [{ allergies: [], version: 0 }, {}],
      [{ ...record('x'), version: 0, patientId: id }, {}],
      [{ ...record('x'), conditions: Array.from({ length: 201 }, () => ({ name: 'x' })), version: 0 }, {}],
    ];
    for (const [body, headers] of bad) {
      const res = await api.as(doctor.token).put(`/patients/${id}/record`, body, { headers });
      expect(res.status, JSON.stringify(body).slice(0, 100) + JSON.stringify(headers)).to.equal(400);
      expect(errorOf(res).code).to.equal('validation_failed');
    }
    expect((await api.as(doctor.token).get('/patients/123/record')).status).to.equal(400);
  });
});
