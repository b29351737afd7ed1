import { expect } from 'chai';
import { createUser, createWalkInPatient } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
describe('stress', () => {
  it('rounds', async function () {
    this.timeout(300_000);
    const staff = await createUser('staff');
    const walkIns = await Promise.all(Array.from({ length: 25 }, () => createWalkInPatient()));
    const codes: Record<string, number> = {};
    for (let round = 0; round < 80; round++) {
      const doctor = await createUser('doctor');
      await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, { timeZone: 'UTC', slotMinutes: 30, weekly: ALL_DAY });
      const from = new Date(Date.now() + 2 * 86400_000); from.setUTCHours(0, 0, 0, 0);
      const t0 = Date.now();
      const results = await Promise.all(walkIns.map((p) => api.as(staff.token).post('/appointments', { doctorId: doctor.id, patientId: p.id, startsAt: from.toISOString() })));
      for (const r of results) { const k = r.status === 201 ? '201' : `${r.status}:${errorOf(r).code}`; codes[k] = (codes[k] ?? 0) + 1; }
      codes.ms = (codes.ms ?? 0) + (Date.now() - t0);
    }
    console.log(codes);
    expect(codes['201']).to.equal(80);
  });
});
