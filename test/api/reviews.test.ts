import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { createAppointment, createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';

const doctorRow = async (id: string) =>
  (await testContext().knex('doctors').where({ id }).first()) as {
    rating: string | null;
    ratingCount: number;
    ratingSum: number;
  };

async function completedVisit(doctor?: TestUser) {
  const d = doctor ?? (await createUser('doctor'));
  const patient = await createUser('patient');
  const { id } = await createAppointment(d.id, patient.patientId!, 'completed');
  return { doctor: d, patient, appointmentId: id };
}

describe('reviews API', () => {
  it("lets the appointment's patient review a completed appointment (201), updates the doctor's rating and emails the doctor", async () => {
    const v = await completedVisit();
    const res = await api
      .as(v.patient.token)
      .post(`/appointments/${v.appointmentId}/review`, { rating: 4, comment: 'Clear and kind' });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({
      appointmentId: v.appointmentId,
      doctorId: v.doctor.id,
      rating: 4,
      comment: 'Clear and kind',
    });
    expect(res.body).not.to.have.property('patientId');
    expect(await doctorRow(v.doctor.id)).to.include({ rating: '4.00', ratingCount: 1, ratingSum: 4 });
    const mail = await testContext().smtp.waitFor(v.doctor.email, (m) => m.subject.startsWith('New review'));
    expect(mail.subject).to.equal(`New review from ${v.patient.name}: 4/5`);
    expect(mail.text).to.contain('Clear and kind');
    const notes = await testContext().knex('notifications').where({ userId: v.doctor.id, type: 'review' });
    expect(notes).to.have.length(1);
  });

  it('answers a second review of the same appointment with 409 duplicate, also when both race', async () => {
    const v = await completedVisit();
    const results = await Promise.all(
      [1, 2, 3].map((r) =>
        api.as(v.patient.token).post(`/appointments/${v.appointmentId}/review`, { rating: r }),
      ),
    );
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(errorOf(r).code).to.equal('duplicate');
    const d = await doctorRow(v.doctor.id);
    expect(d.ratingCount).to.equal(1);
    expect(await testContext().knex('reviews').where({ appointmentId: v.appointmentId })).to.have.length(1);
  });

  it('refuses appointments that are not completed (409 invalid_state)', async () => {
    for (const status of ['pending', 'confirmed', 'cancelled', 'no-show']) {
      const doctor = await createUser('doctor');
      const patient = await createUser('patient');
      const { id } = await createAppointment(doctor.id, patient.patientId!, status);
      const res = await api.as(patient.token).post(`/appointments/${id}/review`, { rating: 5 });
      expect(res.status, status).to.equal(409);
      expect(errorOf(res).code).to.equal('invalid_state');
    }
  });

  it('keeps the average exact under 12 concurrent reviews of different appointments of one doctor', async () => {
    const doctor = await createUser('doctor');
    const visits = await Promise.all(Array.from({ length: 12 }, () => completedVisit(doctor)));
    const ratings = [5, 4, 3, 5, 1, 2, 5, 4, 4, 3, 5, 2];
    const results = await Promise.all(
      visits.map((v, i) =>
        api.as(v.patient.token).post(`/appointments/${v.appointmentId}/review`, { rating: ratings[i] }),
      ),
    );
    expect(results.map((r) => r.status)).to.deep.equal(Array(12).fill(201));
    const sum = ratings.reduce((a, b) => a + b, 0);
    const d = await doctorRow(doctor.id);
    expect(d).to.include({
      ratingCount: 12,
      ratingSum: sum,
      rating: (Math.round((sum / 12) * 100) / 100).toFixed(2),
    });
    const list = await api.as(visits[0].patient.token).get(`/doctors/${doctor.id}/reviews?limit=5`);
    expect(list.status).to.equal(200);
    expect(list.body).to.include({ rating: Number((sum / 12).toFixed(2)), ratingCount: 12 });
    expect(list.body.items).to.have.length(5);
    const seen = new Set(list.body.items.map((r: { id: string }) => r.id));
    let cursor = list.body.nextCursor;
    while (cursor) {
      const page = await api.as(doctor.token).get(`/doctors/${doctor.id}/reviews?limit=5&cursor=${cursor}`);
      page.body.items.forEach((r: { id: string }) => seen.add(r.id));
      cursor = page.body.nextCursor;
    }
    expect(seen.size).to.equal(12);
  });

  it('lets only the author edit a review (200), moving the doctor’s sum by the difference; others 403, missing 404', async () => {
    const doctor = await createUser('doctor');
    const a = await completedVisit(doctor);
    const b = await completedVisit(doctor);
    const ra = await api
      .as(a.patient.token)
      .post(`/appointments/${a.appointmentId}/review`, { rating: 5, comment: 'Great' });
    await api.as(b.patient.token).post(`/appointments/${b.appointmentId}/review`, { rating: 4 });
    expect(await doctorRow(doctor.id)).to.include({ rating: '4.50', ratingCount: 2, ratingSum: 9 });

    const edited = await api
      .as(a.patient.token)
      .patch(`/reviews/${ra.body.id}`, { rating: 1, comment: null });
    expect(edited.status, edited.text).to.equal(200);
    expect(edited.body.rating).to.equal(1);
    expect(edited.body).not.to.have.property('comment');
    expect(await doctorRow(doctor.id)).to.include({ rating: '2.50', ratingCount: 2, ratingSum: 5 });
    const commentOnly = await api
      .as(a.patient.token)
      .patch(`/reviews/${ra.body.id}`, { comment: 'Changed my mind' });
    expect(commentOnly.body).to.include({ rating: 1, comment: 'Changed my mind' });
    expect(await doctorRow(doctor.id)).to.include({ rating: '2.50', ratingSum: 5 });

    expect((await api.as(b.patient.token).patch(`/reviews/${ra.body.id}`, { rating: 5 })).status).to.equal(
      403,
    );
    for (const role of ['doctor', 'nurse', 'staff', 'admin'] as const) {
      const u = role === 'doctor' ? doctor : await createUser(role);
      expect((await api.as(u.token).patch(`/reviews/${ra.body.id}`, { rating: 5 })).status, role).to.equal(
        403,
      );
    }
    expect(
      (await api.as(a.patient.token).patch('/reviews/00000000-0000-4000-8000-000000000000', { rating: 5 }))
        .status,
    ).to.equal(404);
    expect(await doctorRow(doctor.id)).to.include({ ratingSum: 5 });
  });

  it('follows the access matrix for POST /appointments/:id/review (other patient 404, other roles 403, no token 401)', async () => {
    const v = await completedVisit();
    const url = `/appointments/${v.appointmentId}/review`;
    expect((await api.as((await createUser('patient')).token).post(url, { rating: 5 })).status).to.equal(404);
    for (const role of ['doctor', 'nurse', 'staff', 'admin', 'super-admin'] as const) {
      const u = role === 'doctor' ? v.doctor : await createUser(role);
      expect((await api.as(u.token).post(url, { rating: 5 })).status, role).to.equal(403);
    }
    expect((await api.as(undefined).post(url, { rating: 5 })).status).to.equal(401);
    expect(
      (
        await api
          .as(v.patient.token)
          .post('/appointments/00000000-0000-4000-8000-000000000000/review', { rating: 5 })
      ).status,
    ).to.equal(404);
    expect((await api.as(undefined).get(`/doctors/${v.doctor.id}/reviews`)).status).to.equal(401);
    for (const role of ['patient', 'doctor', 'nurse', 'staff', 'admin'] as const) {
      expect(
        (await api.as((await createUser(role)).token).get(`/doctors/${v.doctor.id}/reviews`)).status,
        role,
      ).to.equal(200);
    }
    expect(
      (await api.as(v.patient.token).get('/doctors/00000000-0000-4000-8000-000000000000/reviews')).status,
    ).to.equal(404);
    expect(await testContext().knex('reviews').where({ appointmentId: v.appointmentId })).to.have.length(0);
  });

  it('answers bad input with 400 and changes nothing', async () => {
    const v = await completedVisit();
    const url = `/appointments/${v.appointmentId}/review`;
    for (const body of [
      {},
      { rating: 0 },
      { rating: 6 },
      { rating: 3.5 },
      { rating: '5' },
      { rating: 5, doctorId: v.doctor.id },
      { rating: 5, comment: 'x'.repeat(2001) },
    ]) {
      const res = await api.as(v.patient.token).post(url, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      expect(errorOf(res).code).to.equal('validation_failed');
    }
    expect((await api.as(v.patient.token).post('/appointments/nope/review', { rating: 5 })).status).to.equal(
      400,
    );
    const created = await api.as(v.patient.token).post(url, { rating: 3 });
    for (const body of [{}, { rating: 7 }, { rating: 4, appointmentId: v.appointmentId }]) {
      expect(
        (await api.as(v.patient.token).patch(`/reviews/${created.body.id}`, body)).status,
        JSON.stringify(body),
      ).to.equal(400);
    }
    expect((await api.as(v.patient.token).get(`/doctors/${v.doctor.id}/reviews?limit=0`)).status).to.equal(
      400,
    );
    expect((await api.as(v.patient.token).get(`/doctors/${v.doctor.id}/reviews?cursor=zzz`)).status).to.equal(
      400,
    );
    expect(await doctorRow(v.doctor.id)).to.include({ ratingCount: 1, ratingSum: 3 });
  });

  it('documents the prescriptions and reviews routes in /openapi.json', async () => {
    const { body } = await request('GET', '/openapi.json');
    for (const path of [
      '/api/v1/prescriptions',
      '/api/v1/prescriptions/{id}',
      '/api/v1/prescriptions/{id}/reminders/opt-out',
      '/api/v1/patients/{id}/prescriptions',
      '/api/v1/appointments/{id}/review',
      '/api/v1/reviews/{id}',
      '/api/v1/doctors/{id}/reviews',
    ]) {
      expect(body.paths, path).to.have.property(path);
    }
  });
});
