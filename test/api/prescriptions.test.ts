import { expect } from 'chai';
import { DateTime } from 'luxon';
import { testContext } from '../helpers/context.js';
import { createAppointment, createUser, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { jobsFor } from '../helpers/jobs.js';

const tomorrow = () => DateTime.utc().plus({ days: 1 }).toISODate()!;

const med = (over: Record<string, unknown> = {}) => ({
  name: 'Amoxicillin',
  dosage: '500 mg',
  doseTimes: ['08:00', '20:00'],
  startDate: tomorrow(),
  durationDays: 7,
  instructions: 'With food',
  ...over,
});

interface Scene {
  doctor: TestUser;
  patient: TestUser;
  appointmentId: string;
}

async function scene(status = 'completed', timeZone = 'UTC'): Promise<Scene> {
  const doctor = await createUser('doctor');
  const patient = await createUser('patient', { timeZone });
  const { id } = await createAppointment(doctor.id, patient.patientId!, status);
  return { doctor, patient, appointmentId: id };
}

async function prescribe(s: Scene, body: Record<string, unknown> = {}) {
  const res = await api
    .as(s.doctor.token)
    .post('/prescriptions', { appointmentId: s.appointmentId, medications: [med()], ...body });
  expect(res.status, res.text).to.equal(201);
  return res.body as { id: string; [k: string]: unknown };
}

const doses = (prescriptionId: string) =>
  testContext()
    .knex('medicationDoses')
    .where({ prescriptionId })
    .orderBy(['doseAt', 'medicationIndex']) as Promise<
    {
      id: string;
      status: string;
      doseAt: Date;
      remindAt: Date;
      medicationIndex: number;
      prescriptionVersion: number;
    }[]
  >;

describe('prescriptions API', () => {
  describe('POST /prescriptions', () => {
    it("lets the appointment's doctor prescribe on a completed appointment (201), expanding timesPerDay and scheduling the first window of reminders", async () => {
      const s = await scene('completed', 'Europe/Berlin');
      const body = await prescribe(s, {
        notes: 'Review in a week',
        medications: [
          med(),
          { name: 'Ibuprofen', dosage: '400 mg', timesPerDay: 3, startDate: tomorrow(), durationDays: 90 },
        ],
      });
      expect(body).to.include({
        appointmentId: s.appointmentId,
        patientId: s.patient.patientId,
        doctorId: s.doctor.id,
        status: 'active',
        notes: 'Review in a week',
        remindersEnabled: true,
      });
      expect(body.medications).to.deep.equal([
        {
          name: 'Amoxicillin',
          dosage: '500 mg',
          doseTimes: ['08:00', '20:00'],
          startDate: tomorrow(),
          durationDays: 7,
          instructions: 'With food',
        },
        {
          name: 'Ibuprofen',
          dosage: '400 mg',
          doseTimes: ['08:00', '14:00', '20:00'],
          startDate: tomorrow(),
          durationDays: 90,
        },
      ]);

      const rows = await doses(body.id);
      // 48 h window: the 90-day plan holds only the next two days of doses, not 270 rows; all of
      // tomorrow (Berlin) always falls inside it.
      expect(rows.length).to.be.within(5, 10);
      const firstDay = rows.filter(
        (d) => DateTime.fromJSDate(d.doseAt, { zone: 'Europe/Berlin' }).toISODate() === tomorrow(),
      );
      expect(
        firstDay.map((d) => [
          d.medicationIndex,
          DateTime.fromJSDate(d.doseAt, { zone: 'Europe/Berlin' }).toFormat('HH:mm'),
        ]),
      ).to.deep.equal([
        [0, '08:00'],
        [1, '08:00'],
        [1, '14:00'],
        [0, '20:00'],
        [1, '20:00'],
      ]);
      const horizon = Date.now() + 48 * 3600_000 + 60_000;
      for (const d of rows) {
        expect(d.status).to.equal('scheduled');
        expect(d.doseAt.getTime()).to.be.below(horizon);
        expect(d.doseAt.getTime() - d.remindAt.getTime()).to.equal(10 * 60_000);
        const local = DateTime.fromJSDate(d.doseAt, { zone: 'Europe/Berlin' }).toFormat('HH:mm');
        expect(d.medicationIndex === 0 ? ['08:00', '20:00'] : ['08:00', '14:00', '20:00']).to.include(local);
      }
      const jobs = await jobsFor(`send_medication_reminder:${body.id}:`);
      expect(jobs.map((j) => j.key).sort()).to.deep.equal(
        rows.map((d) => `send_medication_reminder:${body.id}:${d.id}`).sort(),
      );
      for (const j of jobs) {
        const d = rows.find((r) => j.key!.endsWith(r.id))!;
        expect(new Date(j.run_at).getTime()).to.equal(d.remindAt.getTime());
      }
    });

    it('accepts a confirmed appointment (201) and refuses pending, cancelled and no-show ones (409 invalid_state)', async () => {
      await prescribe(await scene('confirmed'));
      for (const status of ['pending', 'cancelled', 'no-show', 'rejected']) {
        const s = await scene(status);
        const res = await api
          .as(s.doctor.token)
          .post('/prescriptions', { appointmentId: s.appointmentId, medications: [med()] });
        expect(res.status, `${status} ${res.text}`).to.equal(409);
        expect(errorOf(res).code).to.equal('invalid_state');
      }
    });

    it('refuses another doctor: 403 when the patient is in their care, 404 when not; other roles 403', async () => {
      const s = await scene();
      const stranger = await createUser('doctor');
      let res = await api
        .as(stranger.token)
        .post('/prescriptions', { appointmentId: s.appointmentId, medications: [med()] });
      expect(res.status).to.equal(404);
      const colleague = await createUser('doctor');
      await mapPatient(s.patient.patientId!, colleague.id);
      res = await api
        .as(colleague.token)
        .post('/prescriptions', { appointmentId: s.appointmentId, medications: [med()] });
      expect(res.status).to.equal(403);
      for (const role of ['patient', 'nurse', 'staff', 'admin', 'super-admin'] as const) {
        const u = role === 'patient' ? s.patient : await createUser(role);
        res = await api
          .as(u.token)
          .post('/prescriptions', { appointmentId: s.appointmentId, medications: [med()] });
        expect(res.status, role).to.equal(403);
      }
      res = await api.as(s.doctor.token).post('/prescriptions', {
        appointmentId: '00000000-0000-4000-8000-000000000000',
        medications: [med()],
      });
      expect(res.status).to.equal(404);
      expect(
        await testContext().knex('prescriptions').where({ appointmentId: s.appointmentId }),
      ).to.have.length(0);
    });

    it('answers bad input with 400 and stores nothing', async () => {
      const s = await scene();
      const bad: unknown[] = [
        {},
        { appointmentId: 'nope', medications: [med()] },
        { appointmentId: s.appointmentId, medications: [] },
        { appointmentId: s.appointmentId, medications: [med({ doseTimes: ['25:00'] })] },
        { appointmentId: s.appointmentId, medications: [med({ doseTimes: ['08:00', '08:00'] })] },
        { appointmentId: s.appointmentId, medications: [med({ timesPerDay: 2 })] },
        { appointmentId: s.appointmentId, medications: [med({ doseTimes: undefined })] },
        { appointmentId: s.appointmentId, medications: [med({ doseTimes: undefined, timesPerDay: 0 })] },
        { appointmentId: s.appointmentId, medications: [med({ durationDays: 0 })] },
        { appointmentId: s.appointmentId, medications: [med({ durationDays: 1.5 })] },
        { appointmentId: s.appointmentId, medications: [med({ startDate: '2026-02-30' })] },
        { appointmentId: s.appointmentId, medications: [med({ startDate: '2020-01-01', durationDays: 3 })] },
        { appointmentId: s.appointmentId, medications: [med({ name: '   ' })] },
        { appointmentId: s.appointmentId, medications: [med({ colour: 'red' })] },
        { appointmentId: s.appointmentId, medications: [med()], status: 'expired' },
        { appointmentId: s.appointmentId, medications: [med()], notes: 'x'.repeat(5001) },
      ];
      for (const body of bad) {
        const res = await api.as(s.doctor.token).post('/prescriptions', body);
        expect(res.status, JSON.stringify(body).slice(0, 200)).to.equal(400);
        expect(errorOf(res).code).to.equal('validation_failed');
      }
      const malformed = await api.as(s.doctor.token).post('/prescriptions', undefined, {
        rawBody: '{"appointmentId":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).to.equal(400);
      expect(
        await testContext().knex('prescriptions').where({ appointmentId: s.appointmentId }),
      ).to.have.length(0);
    });
  });

  describe('reading', () => {
    it('follows the access matrix for GET /prescriptions/:id and GET /patients/:id/prescriptions, auditing reads and denials', async () => {
      const s = await scene();
      const p = await prescribe(s);
      const careDoctor = await createUser('doctor');
      await mapPatient(s.patient.patientId!, careDoctor.id);
      const expected: [TestUser, number][] = [
        [s.patient, 200],
        [s.doctor, 200],
        [careDoctor, 200],
        [await createUser('patient'), 404],
        [await createUser('doctor'), 404],
        [await createUser('nurse'), 200],
        [await createUser('staff'), 403],
        [await createUser('admin'), 200],
        [await createUser('super-admin'), 200],
      ];
      for (const [u, status] of expected) {
        const one = await api.as(u.token).get(`/prescriptions/${p.id}`);
        expect(one.status, `${u.role} GET one`).to.equal(status);
        const list = await api.as(u.token).get(`/patients/${s.patient.patientId}/prescriptions`);
        expect(list.status, `${u.role} GET list`).to.equal(status);
        if (status === 200) {
          expect(one.body.id).to.equal(p.id);
          expect(list.body.items.map((i: { id: string }) => i.id)).to.deep.equal([p.id]);
        } else {
          errorOf(one);
        }
      }
      expect((await api.as(s.doctor.token).get(`/prescriptions/${p.id}`, { headers: {} })).status).to.equal(
        200,
      );
      expect((await api.as(undefined).get(`/prescriptions/${p.id}`)).status).to.equal(401);
      const audit = await testContext()
        .knex('auditEvents')
        .where({ entity: 'prescription', patientId: s.patient.patientId });
      expect(audit.filter((a) => a.action === 'read' && a.outcome === 'success').length).to.be.at.least(6);
      expect(audit.filter((a) => a.outcome === 'denied').length).to.be.at.least(1);
      expect(
        audit.some((a) => a.action === 'create' && a.outcome === 'success' && a.entityId === p.id),
      ).to.equal(true);
      expect(JSON.stringify(audit)).not.to.contain('Amoxicillin');
    });

    it('pages a patient’s prescriptions newest first and filters by status; bad query → 400', async () => {
      const s = await scene();
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push((await prescribe(s)).id);
      await api.as(s.doctor.token).delete(`/prescriptions/${ids[0]}`);
      const first = await api
        .as(s.patient.token)
        .get(`/patients/${s.patient.patientId}/prescriptions?limit=2`);
      expect(first.status).to.equal(200);
      expect(first.body.items.map((i: { id: string }) => i.id)).to.deep.equal([ids[2], ids[1]]);
      const second = await api
        .as(s.patient.token)
        .get(`/patients/${s.patient.patientId}/prescriptions?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).to.deep.equal([
        [ids[0], 'deleted'],
      ]);
      expect(second.body.nextCursor).to.equal(null);
      const active = await api
        .as(s.patient.token)
        .get(`/patients/${s.patient.patientId}/prescriptions?status=active`);
      expect(active.body.items).to.have.length(2);
      for (const q of ['limit=0', 'limit=101', 'status=paused', 'cursor=garbage', 'foo=1']) {
        const res = await api.as(s.patient.token).get(`/patients/${s.patient.patientId}/prescriptions?${q}`);
        expect(res.status, q).to.equal(400);
      }
      expect((await api.as(s.patient.token).get('/prescriptions/not-a-uuid')).status).to.equal(400);
    });
  });

  describe('PATCH /prescriptions/:id', () => {
    it('lets the prescribing doctor replace the medications (200): old reminders are cancelled and removed, the new plan is scheduled', async () => {
      const s = await scene();
      const p = await prescribe(s);
      const before = await doses(p.id);
      const res = await api.as(s.doctor.token).patch(`/prescriptions/${p.id}`, {
        notes: 'Switched',
        medications: [med({ name: 'Doxycycline', doseTimes: ['09:30'], durationDays: 10 })],
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.notes).to.equal('Switched');
      expect(res.body.medications.map((m: { name: string }) => m.name)).to.deep.equal(['Doxycycline']);
      const after = await doses(p.id);
      for (const d of before) expect(after.find((a) => a.id === d.id)!.status).to.equal('cancelled');
      const live = after.filter((d) => d.status === 'scheduled');
      expect(live.length).to.be.within(1, 2);
      for (const d of live) {
        expect(d.prescriptionVersion).to.equal(2);
        expect(DateTime.fromJSDate(d.doseAt, { zone: 'UTC' }).toFormat('HH:mm')).to.equal('09:30');
      }
      const jobs = await jobsFor(`send_medication_reminder:${p.id}:`);
      expect(jobs.map((j) => j.key).sort()).to.deep.equal(
        live.map((d) => `send_medication_reminder:${p.id}:${d.id}`).sort(),
      );
    });

    it('lets the patient switch reminders off and on, and nothing else (403); other doctors 403/404; others 403', async () => {
      const s = await scene();
      const p = await prescribe(s);
      let res = await api.as(s.patient.token).patch(`/prescriptions/${p.id}`, { notes: 'mine now' });
      expect(res.status).to.equal(403);
      res = await api.as(s.patient.token).patch(`/prescriptions/${p.id}`, { remindersEnabled: false });
      expect(res.status).to.equal(200);
      expect(res.body.remindersEnabled).to.equal(false);
      expect((await doses(p.id)).every((d) => d.status === 'cancelled')).to.equal(true);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(0);
      // The doctor cannot override the patient's opt-out (403).
      res = await api.as(s.doctor.token).patch(`/prescriptions/${p.id}`, { remindersEnabled: true });
      expect(res.status).to.equal(403);
      res = await api.as(s.patient.token).patch(`/prescriptions/${p.id}`, { remindersEnabled: true });
      expect(res.status).to.equal(200);
      const live = (await doses(p.id)).filter((d) => d.status === 'scheduled');
      expect(live.length).to.be.greaterThan(0);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(live.length);

      const colleague = await createUser('doctor');
      await mapPatient(s.patient.patientId!, colleague.id);
      expect((await api.as(colleague.token).patch(`/prescriptions/${p.id}`, { notes: 'x' })).status).to.equal(
        403,
      );
      expect(
        (await api.as((await createUser('doctor')).token).patch(`/prescriptions/${p.id}`, { notes: 'x' }))
          .status,
      ).to.equal(404);
      expect(
        (
          await api
            .as((await createUser('patient')).token)
            .patch(`/prescriptions/${p.id}`, { remindersEnabled: false })
        ).status,
      ).to.equal(404);
      for (const role of ['nurse', 'staff', 'admin'] as const) {
        expect(
          (await api.as((await createUser(role)).token).patch(`/prescriptions/${p.id}`, { notes: 'x' }))
            .status,
          role,
        ).to.equal(403);
      }
      for (const body of [
        {},
        { status: 'expired' },
        { remindersEnabled: 'no' },
        { medications: [] },
        { medications: [med({ doseTimes: ['8:00'] })] },
      ]) {
        const bad = await api.as(s.doctor.token).patch(`/prescriptions/${p.id}`, body);
        expect(bad.status, JSON.stringify(body)).to.equal(400);
      }
    });

    it('offers POST /prescriptions/:id/reminders/opt-out to the patient (200) and to no one else', async () => {
      const s = await scene();
      const p = await prescribe(s);
      expect((await api.as(s.doctor.token).post(`/prescriptions/${p.id}/reminders/opt-out`)).status).to.equal(
        403,
      );
      expect(
        (await api.as((await createUser('patient')).token).post(`/prescriptions/${p.id}/reminders/opt-out`))
          .status,
      ).to.equal(404);
      const res = await api.as(s.patient.token).post(`/prescriptions/${p.id}/reminders/opt-out`);
      expect(res.status).to.equal(200);
      expect(res.body.remindersEnabled).to.equal(false);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(0);
    });
  });

  describe('DELETE /prescriptions/:id', () => {
    it('marks it deleted (204), cancels every pending reminder and removes its jobs; history stays readable', async () => {
      const s = await scene();
      const p = await prescribe(s, {
        medications: [med({ doseTimes: undefined, timesPerDay: 4, durationDays: 90 })],
      });
      expect((await jobsFor(`send_medication_reminder:${p.id}:`)).length).to.be.greaterThan(0);
      expect(
        (await api.as((await createUser('nurse')).token).delete(`/prescriptions/${p.id}`)).status,
      ).to.equal(403);
      const colleague = await createUser('doctor');
      await mapPatient(s.patient.patientId!, colleague.id);
      expect((await api.as(colleague.token).delete(`/prescriptions/${p.id}`)).status).to.equal(403);

      const res = await api.as(s.doctor.token).delete(`/prescriptions/${p.id}`);
      expect(res.status).to.equal(204);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(0);
      expect((await doses(p.id)).every((d) => d.status === 'cancelled')).to.equal(true);
      const got = await api.as(s.patient.token).get(`/prescriptions/${p.id}`);
      expect(got.body.status).to.equal('deleted');
      expect(got.body.medications).to.have.length(1);
      const again = await api.as(s.doctor.token).delete(`/prescriptions/${p.id}`);
      expect(again.status).to.equal(409);
      expect(errorOf(again).code).to.equal('invalid_state');
      expect((await api.as(s.doctor.token).patch(`/prescriptions/${p.id}`, { notes: 'x' })).status).to.equal(
        409,
      );
    });
  });

  describe('reminders end to end', () => {
    it('emails the patient and adds an in-app notification ten minutes before a dose, once', async () => {
      const s = await scene('completed', 'America/New_York');
      // A dose five minutes from now: its reminder time has just passed, so the job runs at once.
      const dose = DateTime.now().setZone('America/New_York').plus({ minutes: 5 });
      const p = await prescribe(s, {
        medications: [
          med({
            name: `Metformin-${s.patient.patientId!.slice(0, 6)}`,
            doseTimes: [dose.toFormat('HH:mm')],
            startDate: dose.toISODate(),
          }),
        ],
      });
      const mail = await testContext()
        .smtp.waitFor(s.patient.email, (m) => m.subject.includes('Metformin'))
        .catch(async (err) => {
          console.log(await jobsFor(`send_medication_reminder:${p.id}:`), await doses(p.id));
          throw err;
        });
      expect(mail.subject).to.equal(
        `Medication reminder: Metformin-${s.patient.patientId!.slice(0, 6)} at ${dose.toFormat('HH:mm')}`,
      );
      expect(mail.text).to.contain('500 mg').and.contain(`/prescriptions/${p.id}/reminders/opt-out`);
      const [first] = await doses(p.id);
      expect(first.status).to.equal('sent');
      const notes = await testContext()
        .knex('notifications')
        .where({ userId: s.patient.id, type: 'medication' });
      expect(notes).to.have.length(1);
      expect(notes[0].dedupeKey).to.equal(`medication_reminder:${first.id}`);
      expect(
        testContext()
          .smtp.to(s.patient.email)
          .filter((m) => m.subject.includes('Metformin')),
      ).to.have.length(1);
    });
  });
});
