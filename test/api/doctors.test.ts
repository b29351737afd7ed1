import { expect } from 'chai';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';

describe('doctors', () => {
  let admin: TestUser;
  const spec = `cardiology-${Date.now().toString(36)}`;

  before(async () => {
    admin = await createUser('admin');
  });

  it('lists active doctors by specialization without a token, public fields only (200)', async () => {
    const a = await createUser('doctor', {
      name: 'Zed Heart',
      doctor: { specialization: spec, feeCents: 5000, currency: 'eur', phone: '+1 555 0101' },
    });
    const b = await createUser('doctor', {
      name: 'Amy Heart',
      doctor: { specialization: spec.toUpperCase() },
    });
    await createUser('doctor', {
      name: 'Pending Heart',
      status: 'pending',
      doctor: { specialization: spec },
    });
    await testContext()
      .knex('doctors')
      .update({ rating: 4.5, ratingCount: 2, ratingSum: 9 })
      .where({ id: a.id });
    const res = await request('GET', `/doctors?specialization=${spec}`);
    expect(res.status).to.equal(200);
    expect(res.body.items.map((d: { id: string }) => d.id)).to.deep.equal([b.id, a.id]);
    expect(res.body.items[1]).to.deep.equal({
      id: a.id,
      name: 'Zed Heart',
      specialization: spec,
      bio: null,
      feeCents: 5000,
      currency: 'eur',
      timeZone: 'UTC',
      rating: 4.5,
      ratingCount: 2,
    });
    const page = await request('GET', `/doctors?q=${spec}&limit=1`);
    expect(page.body.items).to.have.length(1);
    const next = await request('GET', `/doctors?q=${spec}&limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).to.equal(a.id);
    expect(next.body.nextCursor).to.equal(null);
  });

  it('shows contact details on GET /doctors/:id, and hides a pending doctor from others (200, 404)', async () => {
    const patient = await createUser('patient');
    const d = await createUser('doctor', {
      doctor: { phone: '+1 555 0102', contactEmail: 'desk@clinic.test' },
    });
    const res = await api.as(patient.token).get(`/doctors/${d.id}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ phone: '+1 555 0102', contactEmail: 'desk@clinic.test' });
    expect(res.body).to.not.have.property('status');
    const pending = await createUser('doctor', { status: 'pending' });
    expect((await api.as(patient.token).get(`/doctors/${pending.id}`)).status).to.equal(404);
    const asAdmin = await api.as(admin.token).get(`/doctors/${pending.id}`);
    expect(asAdmin.status).to.equal(200);
    expect(asAdmin.body.status).to.equal('pending');
    // Changing it does not reveal it either: 404 for another doctor, 403 only for a visible profile.
    const other = await createUser('doctor');
    expect((await api.as(other.token).patch(`/doctors/${pending.id}`, { bio: 'x' })).status).to.equal(404);
    expect((await api.as(other.token).patch(`/doctors/${d.id}`, { bio: 'x' })).status).to.equal(403);
    expect((await api.as(admin.token).patch(`/doctors/${pending.id}`, { bio: 'Soon' })).status).to.equal(200);
  });

  it('lets a doctor edit their own profile, lower-casing the currency (200)', async () => {
    const d = await createUser('doctor');
    const res = await api.as(d.token).patch(`/doctors/${d.id}`, {
      specialization: 'dermatology',
      bio: 'Skin',
      phone: '+1 555 0103',
      contactEmail: 'Skin@Clinic.test',
      feeCents: 7500,
      currency: 'GBP',
      timeZone: 'Europe/London',
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({
      specialization: 'dermatology',
      feeCents: 7500,
      currency: 'gbp',
      contactEmail: 'skin@clinic.test',
      timeZone: 'Europe/London',
    });
  });

  it('never lets a client write rating or ratingCount, and rejects bad input (400)', async () => {
    const d = await createUser('doctor');
    const bad = [
      { rating: 5 },
      { ratingCount: 100 },
      { feeCents: -1 },
      { feeCents: 1.5 },
      { currency: 'euro' },
      { timeZone: 'Moon/Base' },
      {},
      { contactEmail: 'x' },
    ];
    for (const body of bad) {
      const res = await api.as(d.token).patch(`/doctors/${d.id}`, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      errorOf(res);
    }
    const row = await testContext().knex('doctors').where({ id: d.id }).first();
    expect(row).to.include({ rating: null, ratingCount: 0 });
    expect((await request('GET', '/doctors?limit=500')).status).to.equal(400);
    expect((await api.as(d.token).get('/doctors/abc')).status).to.equal(400);
    expect(
      (await api.as(admin.token).patch('/doctors/00000000-0000-4000-8000-000000000000', { bio: 'x' })).status,
    ).to.equal(404);
  });
});
