import { expect } from 'chai';
import { insertAppointment } from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

describe('visits', () => {
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

  it('records a visit by the doctor, who is set as its doctor and author (201)', async () => {
    const patientId = await patientInCare();
    const res = await api.as(doctor.token).post('/visits', {
      patientId,
      occurredAt: '2026-01-05T09:30:00+01:00',
      complaint: 'sore throat',
      diagnosis: 'pharyngitis',
      treatment: 'rest, fluids',
      notes: 'follow up in a week',
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({
      patientId,
      doctorId: doctor.id,
      createdBy: doctor.id,
      appointmentId: null,
      diagnosis: 'pharyngitis',
    });
    expect(new Date(res.body.occurredAt).toISOString()).to.equal('2026-01-05T08:30:00.000Z');
    const read = await api.as(nurse.token).get(`/visits/${res.body.id}`);
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.equal(res.body);
  });

  it('lists the timeline newest first with cursor pagination (200)', async () => {
    const patientId = await patientInCare();
    const days = ['2026-01-01', '2026-03-01', '2026-02-01'];
    for (const d of days) {
      expect(
        (await api.as(nurse.token).post('/visits', { patientId, occurredAt: `${d}T10:00:00Z`, complaint: d }))
          .status,
      ).to.equal(201);
    }
    const page1 = await api.as(doctor.token).get(`/patients/${patientId}/visits?limit=2`);
    expect(page1.status).to.equal(200);
    expect(page1.body.items.map((v: { complaint: string }) => v.complaint)).to.deep.equal([
      '2026-03-01',
      '2026-02-01',
    ]);
    const page2 = await api
      .as(doctor.token)
      .get(`/patients/${patientId}/visits?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((v: { complaint: string }) => v.complaint)).to.deep.equal(['2026-01-01']);
    expect(page2.body.nextCursor).to.equal(null);
  });

  it('links a visit to an appointment of the patient, once per appointment (201, 409 duplicate)', async () => {
    const patientId = await patientInCare();
    const appointmentId = await insertAppointment(doctor.id, patientId);
    const first = await api
      .as(nurse.token)
      .post('/visits', { patientId, appointmentId, complaint: 'check-up' });
    expect(first.status).to.equal(201);
    expect(first.body.doctorId).to.equal(doctor.id);
    const again = await api
      .as(doctor.token)
      .post('/visits', { patientId, appointmentId, complaint: 'check-up' });
    expect(again.status).to.equal(409);
    expect(errorOf(again).code).to.equal('duplicate');
    const other = await patientInCare();
    const wrong = await api
      .as(doctor.token)
      .post('/visits', { patientId: other, appointmentId, complaint: 'x' });
    expect(wrong.status).to.equal(400);
    expect(errorOf(wrong).details?.[0].path).to.equal('/appointmentId');
  });

  it("lets the visit's author amend it and names the changed fields (not their content) in the audit log (200)", async () => {
    const patientId = await patientInCare();
    const created = await api
      .as(nurse.token)
      .post('/visits', { patientId, complaint: 'dizziness', doctorId: doctor.id });
    const res = await api
      .as(nurse.token)
      .patch(`/visits/${created.body.id}`, { notes: 'blood pressure 150/95', complaint: null });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ notes: 'blood pressure 150/95', complaint: null });
    expect(new Date(res.body.updatedAt).getTime()).to.be.greaterThan(
      new Date(created.body.updatedAt).getTime() - 1,
    );
    const byDoctor = await api
      .as(doctor.token)
      .patch(`/visits/${created.body.id}`, { diagnosis: 'hypertension' });
    expect(byDoctor.status).to.equal(200);
    const audit = await testContext()
      .knex('auditEvents')
      .where({ entity: 'visit', entityId: created.body.id, action: 'update' })
      .orderBy('id');
    expect(audit.map((a) => a.details)).to.deep.equal([
      { fields: ['notes', 'complaint'] },
      { fields: ['diagnosis'] },
    ]);
    expect(JSON.stringify(audit)).to.not.contain('150/95');
  });

  it('rejects bad input on every visit route with a 400 envelope', async () => {
    const patientId = await patientInCare();
    const bad = [
      {},
      { patientId },
      { patientId: 'nope', complaint: 'x' },
      { patientId, complaint: '' },
      { patientId, complaint: 'x', occurredAt: 'yesterday' },
      { patientId, complaint: 'x', occurredAt: '2999-01-01T00:00:00Z' },
      { patientId, complaint: 'x', doctorId: nurse.id },
      { patientId, complaint: 'x', createdBy: doctor.id },
      { patientId, complaint: 'x'.repeat(10_001) },
    ];
    for (const body of bad) {
      const res = await api.as(nurse.token).post('/visits', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      errorOf(res);
    }
    const v = await api.as(nurse.token).post('/visits', { patientId, complaint: 'x' });
    for (const body of [{}, { patientId }, { occurredAt: 'x' }, { complaint: null }]) {
      expect(
        (await api.as(nurse.token).patch(`/visits/${v.body.id}`, body)).status,
        JSON.stringify(body),
      ).to.equal(400);
    }
    // Emptying every clinical field was refused and rolled back: the complaint is still there.
    expect((await api.as(nurse.token).get(`/visits/${v.body.id}`)).body.complaint).to.equal('x');
    expect((await api.as(nurse.token).get('/visits/xyz')).status).to.equal(400);
    expect((await api.as(nurse.token).get(`/patients/${patientId}/visits?limit=0`)).status).to.equal(400);
    expect((await api.as(nurse.token).get(`/visits/00000000-0000-4000-8000-000000000000`)).status).to.equal(
      404,
    );
  });
});
