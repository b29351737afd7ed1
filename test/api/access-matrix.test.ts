import { expect } from 'chai';
import {
  buildAccessWorld,
  carePatient,
  insertAppointment,
  runMatrixCase,
  statuses,
  type AccessWorld,
  type MatrixCase,
} from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { notifyUser } from '../../domain/notifications/notify-user.js';
import { createWalkInPatient } from '../helpers/factories.js';
import { api, request } from '../helpers/http.js';

/**
 * The access policy, route by route: P's own login, another patient, P's mapped doctor, an unrelated
 * doctor, a doctor P had an appointment with, nurse, staff, admin and super-admin. Records the
 * caller may not see answer 404; roles that may not use a resource at all answer 403.
 */
describe('access matrix: clinic core routes × roles', function () {
  this.timeout(60_000);
  let w: AccessWorld;
  let visitId: string;

  before(async () => {
    w = await buildAccessWorld();
    const res = await api
      .as(w.users.mappedDoctor.token)
      .post('/visits', { patientId: w.patientId, complaint: 'cough' });
    expect(res.status).to.equal(201);
    visitId = res.body.id;
  });

  const check = (c: () => MatrixCase) => async () => expect(await runMatrixCase(w, c())).to.deep.equal([]);
  const currentVersion = async (patientId: string) =>
    ((await testContext().knex('medicalRecords').where({ patientId }).first('version'))?.version as
      number | undefined) ?? 0;
  const emptyRecord = { allergies: [], conditions: [], surgeries: [], lifestyle: {}, familyHistory: [] };
  // Demographics: patient own, doctor care, nurse/staff/admin all.
  const demographics = statuses(200, { otherPatient: 404, unmappedDoctor: 404 });
  // Clinical reads: staff may not read clinical data at all.
  const clinicalRead = statuses(200, { otherPatient: 404, unmappedDoctor: 404, staff: 403 });

  it(
    'GET /patients/:id',
    check(() => ({
      route: 'GET /patients/:id',
      expect: demographics,
      call: (t) => api.as(t).get(`/patients/${w.patientId}`),
    })),
  );

  it(
    'PATCH /patients/:id',
    check(() => ({
      route: 'PATCH /patients/:id',
      expect: demographics,
      call: (t) => api.as(t).patch(`/patients/${w.patientId}`, { phone: '+49 30 1234567' }),
    })),
  );

  it(
    'DELETE /patients/:id (admins only)',
    check(() => ({
      route: 'DELETE /patients/:id',
      expect: statuses(403, { admin: 204, superAdmin: 204 }),
      call: async (t, s) => api.as(t).delete(`/patients/${s === 'own' ? w.patientId : await carePatient(w)}`),
    })),
  );

  it(
    'POST /patients (care team and admins)',
    check(() => ({
      route: 'POST /patients',
      expect: statuses(201, { own: 403, otherPatient: 403 }),
      call: (t) => api.as(t).post('/patients', { name: 'Walk In' }),
    })),
  );

  it(
    'GET /patients (everyone, scoped)',
    check(() => ({ route: 'GET /patients', expect: statuses(200), call: (t) => api.as(t).get('/patients') })),
  );

  it(
    'GET /patients/:id/doctors',
    check(() => ({
      route: 'GET /patients/:id/doctors',
      expect: demographics,
      call: (t) => api.as(t).get(`/patients/${w.patientId}/doctors`),
    })),
  );

  it(
    'GET /doctors (public) and GET /doctors/:id',
    check(() => ({
      route: 'GET /doctors, /doctors/:id',
      expect: statuses(200),
      call: async (t) => {
        const list = await api.as(t).get('/doctors');
        return list.status === 200 ? api.as(t).get(`/doctors/${w.users.mappedDoctor.id}`) : list;
      },
    })),
  );

  it(
    'PATCH /doctors/:id (the doctor themself and admins)',
    check(() => ({
      route: 'PATCH /doctors/:id',
      expect: statuses(403, { mappedDoctor: 200, admin: 200, superAdmin: 200 }),
      call: (t) => api.as(t).patch(`/doctors/${w.users.mappedDoctor.id}`, { bio: 'Family medicine' }),
    })),
  );

  it(
    'POST /mappings (admins, staff, nurses)',
    check(() => ({
      route: 'POST /mappings',
      expect: statuses(403, { nurse: 201, staff: 201, admin: 201, superAdmin: 201 }),
      call: async (t) =>
        api.as(t).post('/mappings', {
          patientId: (await createWalkInPatient()).id,
          doctorId: w.users.unmappedDoctor.id,
        }),
    })),
  );

  it(
    'GET /mappings (everyone, scoped)',
    check(() => ({ route: 'GET /mappings', expect: statuses(200), call: (t) => api.as(t).get('/mappings') })),
  );

  it(
    'DELETE /mappings/:id (admins, staff, nurses)',
    check(() => ({
      route: 'DELETE /mappings/:id',
      expect: statuses(403, { nurse: 204, staff: 204, admin: 204, superAdmin: 204 }),
      call: async (t) => {
        const [m] = await testContext()
          .knex('patientDoctorMappings')
          .insert({ patientId: (await createWalkInPatient()).id, doctorId: w.users.unmappedDoctor.id })
          .returning('id');
        return api.as(t).delete(`/mappings/${m.id}`);
      },
    })),
  );

  it(
    'GET /patients/:id/record',
    check(() => ({
      route: 'GET /patients/:id/record',
      expect: clinicalRead,
      call: (t) => api.as(t).get(`/patients/${w.patientId}/record`),
    })),
  );

  it(
    'PUT /patients/:id/record (doctors in care and nurses)',
    check(() => ({
      route: 'PUT /patients/:id/record',
      expect: statuses(403, { mappedDoctor: 200, apptDoctor: 200, nurse: 200, unmappedDoctor: 404 }),
      call: async (t) =>
        api.as(t).put(`/patients/${w.patientId}/record`, {
          ...emptyRecord,
          version: await currentVersion(w.patientId),
        }),
    })),
  );

  it(
    'POST /visits (doctors in care and nurses)',
    check(() => ({
      route: 'POST /visits',
      expect: statuses(403, { mappedDoctor: 201, apptDoctor: 201, nurse: 201, unmappedDoctor: 404 }),
      call: (t) => api.as(t).post('/visits', { patientId: w.patientId, complaint: 'headache' }),
    })),
  );

  it(
    'GET /visits/:id',
    check(() => ({
      route: 'GET /visits/:id',
      expect: clinicalRead,
      call: (t) => api.as(t).get(`/visits/${visitId}`),
    })),
  );

  it(
    "PATCH /visits/:id (the visit's author or doctor)",
    check(() => ({
      route: 'PATCH /visits/:id',
      expect: statuses(403, { mappedDoctor: 200, unmappedDoctor: 404 }),
      call: (t) => api.as(t).patch(`/visits/${visitId}`, { diagnosis: 'common cold' }),
    })),
  );

  it(
    'GET /patients/:id/visits',
    check(() => ({
      route: 'GET /patients/:id/visits',
      expect: clinicalRead,
      call: (t) => api.as(t).get(`/patients/${w.patientId}/visits`),
    })),
  );

  it(
    'GET /admin/audit (admins)',
    check(() => ({
      route: 'GET /admin/audit',
      expect: statuses(403, { admin: 200, superAdmin: 200 }),
      call: (t) => api.as(t).get(`/admin/audit?patientId=${w.patientId}`),
    })),
  );

  describe('queue, reminders and notifications', () => {
    let queueEntryId: string;
    let notificationId: string;

    // P's ticket in the mapped doctor's queue: that doctor's queue, not the appointment doctor's.
    const ticket = async () => {
      const res = await api
        .as(w.users.staff.token)
        .post('/queue', { patientId: await carePatient(w), doctorId: w.users.mappedDoctor.id });
      expect(res.status).to.equal(201);
      return res.body.id as string;
    };
    const reminder = async () => {
      const res = await api.as(w.users.staff.token).post('/reminders', {
        patientId: w.patientId,
        message: 'Bring your insurance card',
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expect(res.status).to.equal(201);
      return res.body.id as string;
    };
    // Queue entries follow the doctor's queue; reminders the demographics scope (admins use
    // notifications instead); notifications are each user's own.
    const queueEntry = statuses(200, { otherPatient: 404, unmappedDoctor: 404, apptDoctor: 404 });
    const reminders = (ok: number) =>
      statuses(ok, { otherPatient: 404, unmappedDoctor: 404, admin: 403, superAdmin: 403 });

    before(async () => {
      const res = await api
        .as(w.users.staff.token)
        .post('/queue', { patientId: w.patientId, doctorId: w.users.mappedDoctor.id });
      expect(res.status).to.equal(201);
      queueEntryId = res.body.id;
      notificationId = (await notifyUser(testContext().knex, {
        userId: w.users.own.id,
        type: 'system',
        title: 'Welcome',
      }))!.id;
    });

    it(
      'POST /queue (care team and admins; doctors for patients in their care)',
      check(() => ({
        route: 'POST /queue',
        expect: statuses(201, { own: 403, otherPatient: 403, unmappedDoctor: 404 }),
        call: async (t, s) =>
          api.as(t).post('/queue', {
            patientId: ['own', 'otherPatient'].includes(s) ? w.patientId : await carePatient(w),
          }),
      })),
    );

    it(
      'GET /queue (everyone, scoped)',
      check(() => ({ route: 'GET /queue', expect: statuses(200), call: (t) => api.as(t).get('/queue') })),
    );

    it(
      'GET /queue/:id',
      check(() => ({
        route: 'GET /queue/:id',
        expect: queueEntry,
        call: (t) => api.as(t).get(`/queue/${queueEntryId}`),
      })),
    );

    it(
      'PATCH /queue/:id',
      check(() => ({
        route: 'PATCH /queue/:id',
        expect: { ...queueEntry, own: 403, otherPatient: 403 },
        call: async (t) => api.as(t).patch(`/queue/${await ticket()}`, { status: 'CANCELLED' }),
      })),
    );

    it(
      'GET /queue/stream (everyone, each sees what they may)',
      check(() => ({
        route: 'GET /queue/stream',
        expect: statuses(200),
        call: async (t) => {
          const controller = new AbortController();
          const res = await fetch(`${testContext().baseUrl}/api/v1/queue/stream`, {
            headers: { authorization: `Bearer ${t}` },
            signal: controller.signal,
          });
          const body = res.status === 200 ? undefined : await res.json();
          controller.abort();
          return { status: res.status, body, headers: res.headers, text: JSON.stringify(body ?? '') };
        },
      })),
    );

    it(
      'POST /reminders',
      check(() => ({
        route: 'POST /reminders',
        expect: reminders(201),
        call: (t) =>
          api.as(t).post('/reminders', {
            patientId: w.patientId,
            message: 'Check-up',
            dueAt: new Date(Date.now() + 3_600_000).toISOString(),
          }),
      })),
    );

    it(
      'GET /reminders?patientId=',
      check(() => ({
        route: 'GET /reminders',
        expect: reminders(200),
        call: (t) => api.as(t).get(`/reminders?patientId=${w.patientId}`),
      })),
    );

    it(
      'DELETE /reminders/:id',
      check(() => ({
        route: 'DELETE /reminders/:id',
        expect: reminders(204),
        call: async (t) => api.as(t).delete(`/reminders/${await reminder()}`),
      })),
    );

    it(
      'GET /notifications, /notifications/unread-count and POST /notifications/read-all (everyone, own)',
      check(() => ({
        route: 'GET /notifications, unread-count, POST read-all',
        expect: statuses(200),
        call: async (t) => {
          for (const res of [
            await api.as(t).get('/notifications'),
            await api.as(t).get('/notifications/unread-count'),
          ])
            if (res.status !== 200) return res;
          return api.as(t).post('/notifications/read-all');
        },
      })),
    );

    it(
      "POST /notifications/:id/read (only the notification's owner)",
      check(() => ({
        route: 'POST /notifications/:id/read',
        expect: statuses(404, { own: 200 }),
        call: (t) => api.as(t).post(`/notifications/${notificationId}/read`),
      })),
    );

    it(
      'POST /notifications (admins)',
      check(() => ({
        route: 'POST /notifications',
        expect: statuses(403, { admin: 202, superAdmin: 202 }),
        call: (t) =>
          api
            .as(t)
            .post('/notifications', { userId: w.users.own.id, title: 'Notice', body: 'Closed Monday' }),
      })),
    );
  });

  it('lists every route of this area in /openapi.json with its schemas', async () => {
    const doc = (await request('GET', '/openapi.json')).body;
    const ops: [string, string][] = [
      ['/api/v1/patients', 'post'],
      ['/api/v1/patients', 'get'],
      ['/api/v1/patients/{id}', 'get'],
      ['/api/v1/patients/{id}', 'patch'],
      ['/api/v1/patients/{id}', 'delete'],
      ['/api/v1/patients/{id}/doctors', 'get'],
      ['/api/v1/patients/{id}/record', 'get'],
      ['/api/v1/patients/{id}/record', 'put'],
      ['/api/v1/patients/{id}/visits', 'get'],
      ['/api/v1/doctors', 'get'],
      ['/api/v1/doctors/{id}', 'get'],
      ['/api/v1/doctors/{id}', 'patch'],
      ['/api/v1/mappings', 'post'],
      ['/api/v1/mappings', 'get'],
      ['/api/v1/mappings/{id}', 'delete'],
      ['/api/v1/visits', 'post'],
      ['/api/v1/visits/{id}', 'get'],
      ['/api/v1/visits/{id}', 'patch'],
      ['/api/v1/admin/audit', 'get'],
      ['/api/v1/queue', 'post'],
      ['/api/v1/queue', 'get'],
      ['/api/v1/queue/{id}', 'get'],
      ['/api/v1/queue/{id}', 'patch'],
      ['/api/v1/queue/stream', 'get'],
      ['/api/v1/reminders', 'post'],
      ['/api/v1/reminders', 'get'],
      ['/api/v1/reminders/{id}', 'delete'],
      ['/api/v1/notifications', 'get'],
      ['/api/v1/notifications', 'post'],
      ['/api/v1/notifications/unread-count', 'get'],
      ['/api/v1/notifications/read-all', 'post'],
      ['/api/v1/notifications/{id}/read', 'post'],
    ];
    for (const [path, method] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).to.be.an('object');
      if (method !== 'delete')
        expect(Object.keys(op.responses), `${method} ${path}`).to.satisfy((k: string[]) =>
          k.some((c) => /^2/.test(c)),
        );
      if (['post', 'put', 'patch'].includes(method))
        expect(op.requestBody.content['application/json'].schema.additionalProperties).to.equal(false);
    }
    expect(
      doc.paths['/api/v1/doctors/{id}'].patch.requestBody.content['application/json'].schema.properties,
    ).to.not.have.any.keys('rating', 'ratingCount');
  });

  it('answers 401 without a token on every non-public route', async () => {
    const anon = api.as(undefined);
    const calls = [
      anon.get(`/patients/${w.patientId}`),
      anon.get('/patients'),
      anon.post('/patients', { name: 'x' }),
      anon.get(`/patients/${w.patientId}/record`),
      anon.get(`/patients/${w.patientId}/visits`),
      anon.get(`/visits/${visitId}`),
      anon.get('/mappings'),
      anon.get(`/doctors/${w.users.mappedDoctor.id}`),
      anon.get('/admin/audit'),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).to.deep.equal(calls.map(() => 401));
    expect((await anon.get('/doctors')).status).to.equal(200);
  });

  it('treats a cancelled or rejected appointment as no care relation (404)', async () => {
    const doctor = w.users.unmappedDoctor;
    const p = await createWalkInPatient();
    await insertAppointment(doctor.id, p.id, { status: 'cancelled' });
    await insertAppointment(doctor.id, p.id, { status: 'rejected' });
    expect((await api.as(doctor.token).get(`/patients/${p.id}`)).status).to.equal(404);
    await insertAppointment(doctor.id, p.id, {
      status: 'pending',
      startsAt: new Date(Date.now() + 40 * 86_400_000 + Math.floor(Math.random() * 1e9)),
    });
    expect((await api.as(doctor.token).get(`/patients/${p.id}`)).status).to.equal(200);
  });
});
