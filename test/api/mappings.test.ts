import { expect } from 'chai';
import { createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

describe('patient–doctor mappings', () => {
  let staff: TestUser;
  let doctor: TestUser;

  before(async () => {
    [staff, doctor] = await Promise.all([createUser('staff'), createUser('doctor')]);
  });

  it("maps a patient, which opens the patient's chart to the doctor; a duplicate is 409 duplicate", async () => {
    const p = await createWalkInPatient();
    expect((await api.as(doctor.token).get(`/patients/${p.id}/record`)).status).to.equal(404);
    const res = await api.as(staff.token).post('/mappings', { patientId: p.id, doctorId: doctor.id });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ patientId: p.id, doctorId: doctor.id, createdBy: staff.id });
    expect((await api.as(doctor.token).get(`/patients/${p.id}/record`)).status).to.equal(200);
    const dup = await api.as(staff.token).post('/mappings', { patientId: p.id, doctorId: doctor.id });
    expect(dup.status).to.equal(409);
    expect(errorOf(dup).code).to.equal('duplicate');
  });

  it('lets exactly one of two concurrent identical mappings win (201 + 409)', async () => {
    const p = await createWalkInPatient();
    const codes = (
      await Promise.all(
        [1, 2].map(() => api.as(staff.token).post('/mappings', { patientId: p.id, doctorId: doctor.id })),
      )
    ).map((r) => r.status);
    expect(codes.sort()).to.deep.equal([201, 409]);
  });

  it('lists mappings by patient or doctor; a doctor and a patient see only their own (200)', async () => {
    const patient = await createUser('patient');
    const other = await createUser('doctor');
    await api.as(staff.token).post('/mappings', { patientId: patient.patientId, doctorId: doctor.id });
    await api.as(staff.token).post('/mappings', { patientId: patient.patientId, doctorId: other.id });
    const byPatient = await api.as(staff.token).get(`/mappings?patientId=${patient.patientId}&limit=1`);
    expect(byPatient.body.items).to.have.length(1);
    const rest = await api
      .as(staff.token)
      .get(`/mappings?patientId=${patient.patientId}&limit=1&cursor=${byPatient.body.nextCursor}`);
    expect([byPatient.body.items[0].doctorId, rest.body.items[0].doctorId].sort()).to.deep.equal(
      [doctor.id, other.id].sort(),
    );
    const asOther = await api.as(other.token).get(`/mappings?doctorId=${doctor.id}`);
    expect(asOther.body.items).to.deep.equal([]);
    const asPatient = await api.as(patient.token).get('/mappings?limit=100');
    expect(asPatient.body.items.map((m: { patientId: string }) => m.patientId)).to.deep.equal([
      patient.patientId,
      patient.patientId,
    ]);
    const doctors = await api.as(patient.token).get(`/patients/${patient.patientId}/doctors`);
    expect(doctors.body.items.map((d: { id: string }) => d.id).sort()).to.deep.equal(
      [doctor.id, other.id].sort(),
    );
  });

  it('removes a mapping, which closes the chart again (204, then 404)', async () => {
    const p = await createWalkInPatient();
    const m = await api.as(staff.token).post('/mappings', { patientId: p.id, doctorId: doctor.id });
    expect((await api.as(staff.token).delete(`/mappings/${m.body.id}`)).status).to.equal(204);
    expect((await api.as(doctor.token).get(`/patients/${p.id}`)).status).to.equal(404);
    expect((await api.as(staff.token).delete(`/mappings/${m.body.id}`)).status).to.equal(404);
  });

  it('rejects bad input (400) and unknown patients or doctors (404)', async () => {
    const p = await createWalkInPatient();
    for (const body of [
      {},
      { patientId: p.id },
      { patientId: 'x', doctorId: doctor.id },
      { patientId: p.id, doctorId: doctor.id, extra: 1 },
    ]) {
      const res = await api.as(staff.token).post('/mappings', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      errorOf(res);
    }
    const nurse = await createUser('nurse');
    expect(
      (await api.as(staff.token).post('/mappings', { patientId: p.id, doctorId: nurse.id })).status,
    ).to.equal(404);
    expect(
      (
        await api
          .as(staff.token)
          .post('/mappings', { patientId: '00000000-0000-4000-8000-000000000000', doctorId: doctor.id })
      ).status,
    ).to.equal(404);
    expect((await api.as(staff.token).get('/mappings?patientId=bad')).status).to.equal(400);
    expect((await api.as(staff.token).delete('/mappings/bad')).status).to.equal(400);
  });
});
