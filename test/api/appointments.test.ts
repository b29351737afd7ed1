import { expect } from 'chai';
import pg from 'pg';
import { formatLocal } from '../../domain/appointments/appointment-emails.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const DAY_MS = 24 * 3600_000;
const NO_ID = '00000000-0000-4000-8000-000000000000';

interface Slot {
  startsAt: string;
  endsAt: string;
}

/** An active doctor with 30-minute slots around the clock (UTC) and no minimum notice. */
async function bookableDoctor(opts: { feeCents?: number; slotMinutes?: number } = {}): Promise<TestUser> {
  const doctor = await createUser('doctor', { doctor: { feeCents: opts.feeCents ?? 0 } });
  const res = await api.as(doctor.token).put(`/doctors/${doctor.id}/availability`, {
    timeZone: 'UTC',
    slotMinutes: opts.slotMinutes ?? 30,
    weekly: ALL_DAY,
  });
  expect(res.status).to.equal(200);
  return doctor;
}

/** Free slots of a doctor starting on the UTC day `daysAhead` days from now. */
async function slotsOn(doctor: TestUser, daysAhead: number): Promise<Slot[]> {
  const from = new Date(Date.now() + daysAhead * DAY_MS);
  from.setUTCHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + DAY_MS);
  const res = await api
    .as(doctor.token)
    .get(`/doctors/${doctor.id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`);
  expect(res.status).to.equal(200);
  return res.body.items;
}

const knex = () => testContext().knex;
/** A job's run time (the helper returns the raw row). */
const runAtOf = (j: object): number => new Date((j as { run_at: Date }).run_at).getTime();
const inbox = () => testContext().smtp;

/** Moves an appointment into the past (as if it had started), for complete / no-show. */
async function startedAgo(id: string, minutes: number): Promise<void> {
  await knex()('appointments')
    .where({ id })
    .update({
      startsAt: knex().raw(`now() - interval '${minutes} minutes'`),
      endsAt: knex().raw(`now() - interval '${minutes - 30} minutes'`),
    });
}

describe('Appointments', () => {
  let patient: TestUser;
  let otherPatient: TestUser;
  let nurse: TestUser;
  let staff: TestUser;
  let admin: TestUser;
  let manager: TestUser;
  let superAdmin: TestUser;

  before(async () => {
    [patient, otherPatient, nurse, staff, admin, manager, superAdmin] = await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('nurse'),
      createUser('staff'),
      createUser('admin'),
      createUser('admin', { adminRoles: ['appointment-manager'] }),
      createUser('super-admin'),
    ]);
  });

  describe('booking (POST /appointments)', () => {
    it('lets exactly one of 25 simultaneous bookings of one slot win (one 201, 24 × 409 slot_taken)', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const walkIns = await Promise.all(Array.from({ length: 25 }, () => createWalkInPatient()));
      const results = await Promise.all(
        walkIns.map((p) =>
          api
            .as(staff.token)
            .post('/appointments', { doctorId: doctor.id, patientId: p.id, startsAt: slot.startsAt }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(24);
      for (const r of results.filter((x) => x.status === 409)) expect(errorOf(r).code).to.equal('slot_taken');
      const live = await knex()('appointments')
        .where({ doctorId: doctor.id })
        .whereIn('status', ['pending', 'confirmed']);
      expect(live).to.have.length(1);
    });

    it('never deadlocks concurrent writers of one doctor: each round of 25 simultaneous inserts ends in one commit and 24 × 23P01', async () => {
      // Below the API on purpose: the exclusion constraint alone lets two such inserts wait for each
      // other (40P01 after deadlock_timeout); the per-doctor lock of the scheduling migration must
      // turn every loser into a plain constraint violation, which the API maps to 409 slot_taken.
      const doctor = await bookableDoctor();
      const walkIns = await Promise.all(Array.from({ length: 25 }, () => createWalkInPatient()));
      const pool = new pg.Pool({ connectionString: testContext().databaseUrl, max: 25 });
      pool.on('error', () => {});
      const codes: Record<string, number> = {};
      try {
        for (let round = 0; round < 20; round++) {
          const startsAt = new Date(Date.now() + (10 + round) * DAY_MS);
          startsAt.setUTCHours(9, 0, 0, 0);
          const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
          const outcomes = await Promise.all(
            walkIns.map(async (p) => {
              const client = await pool.connect();
              try {
                await client.query('begin');
                await client.query(
                  'insert into appointments (doctor_id, patient_id, starts_at, ends_at) values ($1, $2, $3, $4)',
                  [doctor.id, p.id, startsAt, endsAt],
                );
                await client.query('commit');
                return 'commit';
              } catch (err) {
                await client.query('rollback');
                return (err as { code?: string }).code ?? 'unknown';
              } finally {
                client.release();
              }
            }),
          );
          expect(
            outcomes.filter((o) => o === 'commit'),
            `round ${round}`,
          ).to.have.length(1);
          for (const o of outcomes) codes[o] = (codes[o] ?? 0) + 1;
        }
      } finally {
        await pool.end();
      }
      expect(codes).to.deep.equal({ commit: 20, '23P01': 20 * 24 });
    });

    it('books adjacent slots concurrently (201 + 201)', async () => {
      const doctor = await bookableDoctor();
      const [a, b] = await slotsOn(doctor, 2);
      expect(a.endsAt).to.equal(b.startsAt);
      const results = await Promise.all(
        [a, b].map((s) =>
          api.as(staff.token).post('/appointments', {
            doctorId: doctor.id,
            patientId: patient.patientId,
            startsAt: s.startsAt,
          }),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal([201, 201]);
    });

    it('refuses overlapping starts: off the grid (400 not_a_slot), on a new grid across a booking (409 slot_taken), and in the database itself', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[1].startsAt });
      expect(booked.status).to.equal(201);

      const offGrid = new Date(new Date(slots[1].startsAt).getTime() + 15 * 60_000).toISOString();
      const res = await api
        .as(otherPatient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: offGrid });
      expect(res.status).to.equal(400);
      expect(errorOf(res).code).to.equal('not_a_slot');

      // With hour-long slots the slot starting at slots[0] covers the booked half hour.
      await api
        .as(doctor.token)
        .put(`/doctors/${doctor.id}/availability`, { timeZone: 'UTC', slotMinutes: 60, weekly: ALL_DAY });
      const overlapping = await api
        .as(otherPatient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[0].startsAt });
      expect(overlapping.status).to.equal(409);
      expect(errorOf(overlapping).code).to.equal('slot_taken');

      let caught: { code?: string; constraint?: string } | undefined;
      try {
        await knex()('appointments').insert({
          doctorId: doctor.id,
          patientId: otherPatient.patientId,
          startsAt: new Date(new Date(slots[1].startsAt).getTime() + 10 * 60_000),
          endsAt: new Date(new Date(slots[1].startsAt).getTime() + 40 * 60_000),
        });
      } catch (err) {
        caught = err as typeof caught;
      }
      expect(caught?.code).to.equal('23P01');
      expect(caught?.constraint).to.equal('appointments_no_overlap_excl');
    });

    it('books for the patient themself, copying fee, currency and refund policy (201)', async () => {
      const doctor = await bookableDoctor({ feeCents: 4500 });
      const [slot] = await slotsOn(doctor, 3);
      const res = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt, reason: 'Persistent cough' });
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.include({
        doctorId: doctor.id,
        patientId: patient.patientId,
        startsAt: new Date(slot.startsAt).toISOString(),
        endsAt: new Date(slot.endsAt).toISOString(),
        status: 'pending',
        paymentStatus: 'unpaid',
        feeCents: 4500,
        currency: 'usd',
        reason: 'Persistent cough',
      });
      const row = await knex()('appointments').where({ id: res.body.id }).first();
      expect(row.refundPolicy).to.deep.equal({ fullRefundHours: 24, latePercent: 50, noShowPercent: 0 });
      const hold = await jobsFor(`expire_unpaid_appointment:${res.body.id}`);
      expect(hold).to.have.length(1);
      const history = await api.as(patient.token).get(`/appointments/${res.body.id}/history`);
      expect(history.body.items).to.have.length(1);
      expect(history.body.items[0]).to.deep.include({
        fromStatus: null,
        toStatus: 'pending',
        actorId: patient.id,
      });
    });

    it('emails patient and doctor that the appointment was requested', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const res = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      expect(res.status).to.equal(201);
      const when = formatLocal(new Date(slot.startsAt), 'UTC');
      const toPatient = await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Appointment requested: ${when}` && m.text.includes(res.body.id),
      );
      expect(toPatient.text).to.contain(doctor.name);
      await inbox().waitFor(
        doctor.email,
        (m) => m.subject === `Appointment requested: ${when}` && m.text.includes(res.body.id),
      );
    });

    it('lets a patient book only for themself (404 for another patient) and requires patientId from staff (400)', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const forOther = await api.as(patient.token).post('/appointments', {
        doctorId: doctor.id,
        patientId: otherPatient.patientId,
        startsAt: slot.startsAt,
      });
      expect(forOther.status).to.equal(404);
      const noPatient = await api
        .as(staff.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      expect(noPatient.status).to.equal(400);
      expect(errorOf(noPatient).details![0].path).to.equal('/patientId');
      const walkIn = await createWalkInPatient();
      for (const u of [staff, admin, superAdmin]) {
        const s = (await slotsOn(doctor, 2))[0];
        const ok = await api
          .as(u.token)
          .post('/appointments', { doctorId: doctor.id, patientId: walkIn.id, startsAt: s.startsAt });
        expect(ok.status, u.role).to.equal(201);
      }
      for (const u of [nurse, doctor]) {
        const res = await api
          .as(u.token)
          .post('/appointments', { doctorId: doctor.id, patientId: walkIn.id, startsAt: slot.startsAt });
        expect(res.status, u.role).to.equal(403);
      }
      expect(
        (await api.as().post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt })).status,
      ).to.equal(401);
    });

    it('answers bad input with a 4xx envelope: unknown doctor or patient 404, past or off-hours time 400, malformed body 400', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const cases: [unknown, number, string][] = [
        [{ doctorId: NO_ID, startsAt: slot.startsAt }, 404, 'not_found'],
        [{ doctorId: patient.id, startsAt: slot.startsAt }, 404, 'not_found'],
        [{ doctorId: doctor.id, startsAt: new Date(Date.now() - DAY_MS).toISOString() }, 400, 'not_a_slot'],
        [
          { doctorId: doctor.id, startsAt: new Date(Date.now() + 400 * DAY_MS).toISOString() },
          400,
          'not_a_slot',
        ],
        [{ doctorId: doctor.id, startsAt: 'tomorrow' }, 400, 'validation_failed'],
        [{ doctorId: 'x', startsAt: slot.startsAt }, 400, 'validation_failed'],
        [{ doctorId: doctor.id, startsAt: slot.startsAt, status: 'confirmed' }, 400, 'validation_failed'],
        [{ doctorId: doctor.id, startsAt: slot.startsAt, reason: '' }, 400, 'validation_failed'],
        [{ startsAt: slot.startsAt }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const res = await api.as(patient.token).post('/appointments', body);
        expect(res.status, JSON.stringify(body)).to.equal(status);
        expect(errorOf(res).code).to.equal(code);
      }
      const walkIn = await createWalkInPatient({ deletedAt: new Date() });
      const deleted = await api
        .as(staff.token)
        .post('/appointments', { doctorId: doctor.id, patientId: walkIn.id, startsAt: slot.startsAt });
      expect(deleted.status).to.equal(404);
      const malformed = await api.as(patient.token).post('/appointments', undefined, {
        rawBody: '{nope',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).to.equal(400);
      errorOf(malformed);
    });
  });

  describe('lifecycle', () => {
    it('books, confirms, reminds, reschedules and cancels, all by HTTP, with jobs and emails to match', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 3);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[4].startsAt, reason: 'Check-up' });
      expect(booked.status).to.equal(201);
      const id = booked.body.id as string;

      const approved = await api.as(manager.token).post(`/appointments/${id}/approve`, {});
      expect(approved.status).to.equal(200);
      expect(approved.body.status).to.equal('confirmed');
      const when = formatLocal(new Date(slots[4].startsAt), 'UTC');
      const confirmation = await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Appointment confirmed: ${when}`,
      );
      const ics = confirmation.attachments.find((a) => a.filename === 'appointment.ics');
      expect(ics, 'an .ics attachment').to.not.equal(undefined);
      expect(ics!.content.toString())
        .to.contain('BEGIN:VEVENT')
        .and.to.contain(`appointment-${id}@clinicflow`);
      await inbox().waitFor(doctor.email, (m) => m.subject === `Appointment confirmed: ${when}`);

      const reminders = await jobsFor(`send_appointment_reminder:${id}:`);
      expect(reminders.map((j) => j.key).sort()).to.deep.equal([
        `send_appointment_reminder:${id}:1h`,
        `send_appointment_reminder:${id}:24h`,
      ]);
      const start = new Date(slots[4].startsAt).getTime();
      expect(reminders.map(runAtOf).sort()).to.deep.equal([start - 24 * 3600_000, start - 3600_000]);
      expect(await jobsFor(`mark_no_show:${id}`)).to.have.length(1);
      expect(await jobsFor(`expire_unpaid_appointment:${id}`)).to.have.length(0);

      const moved = await api
        .as(patient.token)
        .post(`/appointments/${id}/reschedule`, { startsAt: slots[10].startsAt, reason: 'Train times' });
      expect(moved.status).to.equal(200);
      expect(moved.body).to.deep.include({
        id,
        status: 'confirmed',
        startsAt: new Date(slots[10].startsAt).toISOString(),
      });
      const newStart = new Date(slots[10].startsAt).getTime();
      const movedReminders = await jobsFor(`send_appointment_reminder:${id}:`);
      expect(movedReminders).to.have.length(2);
      expect(movedReminders.map(runAtOf).sort()).to.deep.equal([
        newStart - 24 * 3600_000,
        newStart - 3600_000,
      ]);
      expect((await jobsFor(`mark_no_show:${id}`))[0].payload).to.deep.equal({
        appointmentId: id,
        endsAt: new Date(slots[10].endsAt).toISOString(),
      });
      const newWhen = formatLocal(new Date(slots[10].startsAt), 'UTC');
      const rescheduled = await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Appointment rescheduled to ${newWhen}`,
      );
      expect(rescheduled.text).to.contain(when).and.to.contain('Train times');
      await inbox().waitFor(doctor.email, (m) => m.subject === `Appointment rescheduled to ${newWhen}`);
      // The old slot is free again, the new one taken.
      const free = (await slotsOn(doctor, 3)).map((s) => s.startsAt);
      expect(free).to.include(slots[4].startsAt).and.not.include(slots[10].startsAt);

      // Run the 24 h reminder now: patient and doctor are reminded of the new time.
      const dayBefore = movedReminders.find((j) => j.key!.endsWith(':24h'))!;
      await knex().raw('select graphile_worker.reschedule_jobs(array[?::bigint], run_at := now())', [
        dayBefore.id,
      ]);
      const toPatient = await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Reminder: appointment with ${doctor.name} on ${newWhen}`,
      );
      expect(toPatient.text).to.contain('24-hour reminder');
      await inbox().waitFor(
        doctor.email,
        (m) => m.subject === `Reminder: appointment with ${patient.name} on ${newWhen}`,
      );

      const cancelled = await api
        .as(patient.token)
        .post(`/appointments/${id}/cancel`, { reason: 'Feeling better' });
      expect(cancelled.status).to.equal(200);
      expect(cancelled.body.status).to.equal('cancelled');
      expect(await jobsFor(`send_appointment_reminder:${id}:`)).to.have.length(0);
      expect(await jobsFor(`mark_no_show:${id}`)).to.have.length(0);
      const cancelMail = await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Appointment cancelled: ${newWhen}`,
      );
      expect(cancelMail.text).to.contain('Feeling better');
      await inbox().waitFor(doctor.email, (m) => m.subject === `Appointment cancelled: ${newWhen}`);

      const history = await api.as(patient.token).get(`/appointments/${id}/history`);
      expect(
        history.body.items.map(
          (h: { fromStatus: string; toStatus: string }) => `${h.fromStatus}>${h.toStatus}`,
        ),
      ).to.deep.equal(['null>pending', 'pending>confirmed', 'confirmed>confirmed', 'confirmed>cancelled']);
      expect(history.body.items[1].actorId).to.equal(manager.id);
      expect(history.body.items[2]).to.deep.include({
        fromStartsAt: new Date(slots[4].startsAt).toISOString(),
        toStartsAt: new Date(slots[10].startsAt).toISOString(),
        reason: 'Train times',
      });
      expect(history.body.items[3]).to.deep.include({ actorId: patient.id, reason: 'Feeling better' });
    });

    it('rejects a pending appointment (200), emails the patient, and frees the slot', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      const res = await api
        .as(admin.token)
        .post(`/appointments/${booked.body.id}/reject`, { reason: 'Doctor unavailable' });
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('rejected');
      const mail = await inbox().waitFor(
        patient.email,
        (m) => m.subject.startsWith('Appointment request declined') && m.text.includes(booked.body.id),
      );
      expect(mail.text).to.contain('Doctor unavailable');
      const again = await api
        .as(otherPatient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      expect(again.status).to.equal(201);
    });

    it('allows every legal transition and answers every illegal one with 409 invalid_transition', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const book = async (i: number) =>
        (
          await api.as(staff.token).post('/appointments', {
            doctorId: doctor.id,
            patientId: patient.patientId,
            startsAt: slots[i].startsAt,
          })
        ).body.id as string;
      const as = (u: TestUser) => api.as(u.token);
      const expect409 = async (path: string, body: unknown = {}, code = 'invalid_transition') => {
        const res = await as(admin).post(path, body);
        expect(res.status, path).to.equal(409);
        expect(errorOf(res).code, path).to.equal(code);
      };

      // pending: complete, no-show → 409; reschedule, cancel, approve, reject legal.
      const p = await book(0);
      await expect409(`/appointments/${p}/complete`);
      await expect409(`/appointments/${p}/no-show`);
      const fu = await as(doctor).post(`/appointments/${p}/follow-up`, { startsAt: slots[20].startsAt });
      expect(fu.status).to.equal(409);

      // confirmed: approve, reject → 409; complete before the start → 409 not_started.
      const c = await book(2);
      expect((await as(manager).post(`/appointments/${c}/approve`, {})).status).to.equal(200);
      await expect409(`/appointments/${c}/approve`);
      await expect409(`/appointments/${c}/reject`);
      await expect409(`/appointments/${c}/complete`, {}, 'not_started');
      await startedAgo(c, 40);
      const done = await as(doctor).post(`/appointments/${c}/complete`, {});
      expect(done.status).to.equal(200);
      expect(done.body.status).to.equal('completed');
      expect(await jobsFor(`mark_no_show:${c}`)).to.have.length(0);
      // completed: everything → 409.
      for (const a of ['approve', 'reject', 'cancel', 'complete', 'no-show'])
        await expect409(`/appointments/${c}/${a}`);
      await expect409(`/appointments/${c}/reschedule`, { startsAt: slots[30].startsAt });

      const n = await book(4);
      expect((await as(superAdmin).post(`/appointments/${n}/approve`, {})).status).to.equal(200);
      await startedAgo(n, 100);
      const noShow = await as(staff).post(`/appointments/${n}/no-show`, {});
      expect(noShow.status).to.equal(200);
      expect(noShow.body.status).to.equal('no-show');
      for (const a of ['approve', 'reject', 'cancel', 'complete', 'no-show'])
        await expect409(`/appointments/${n}/${a}`);

      // cancelled and rejected are final.
      const x = await book(6);
      expect((await as(staff).post(`/appointments/${x}/cancel`, {})).status).to.equal(200);
      for (const a of ['approve', 'reject', 'cancel', 'complete', 'no-show'])
        await expect409(`/appointments/${x}/${a}`);
      await expect409(`/appointments/${x}/reschedule`, { startsAt: slots[32].startsAt });
      const r = await book(8);
      expect((await as(manager).post(`/appointments/${r}/reject`, {})).status).to.equal(200);
      for (const a of ['approve', 'reject', 'cancel', 'complete', 'no-show'])
        await expect409(`/appointments/${r}/${a}`);
      // Neither moves nor follow-ups from the final states other than completed.
      for (const final of [n, x, r]) {
        await expect409(`/appointments/${final}/reschedule`, { startsAt: slots[34].startsAt });
        const f = await as(doctor).post(`/appointments/${final}/follow-up`, { startsAt: slots[36].startsAt });
        expect(f.status).to.equal(409);
        expect(errorOf(f).code).to.equal('invalid_transition');
      }
      // A confirmed appointment may get a follow-up (free doctor: confirmed at once).
      const cf = await book(10);
      expect((await as(manager).post(`/appointments/${cf}/approve`, {})).status).to.equal(200);
      const follow = await as(doctor).post(`/appointments/${cf}/follow-up`, { startsAt: slots[38].startsAt });
      expect(follow.status).to.equal(201);
      expect(follow.body).to.deep.include({ followUpOf: cf, status: 'confirmed' });

      // A pending appointment can be cancelled too.
      const pc = await as(patient).post(`/appointments/${p}/cancel`, {});
      expect(pc.status).to.equal(200);
    });

    it('books a follow-up of a completed appointment by its doctor, linked by followUpOf and confirmed when free (201)', async () => {
      const doctor = await bookableDoctor();
      const otherDoctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const first = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[0].startsAt });
      await api.as(manager.token).post(`/appointments/${first.body.id}/approve`, {});
      await startedAgo(first.body.id, 45);
      await api.as(doctor.token).post(`/appointments/${first.body.id}/complete`, {});
      const later = (await slotsOn(doctor, 9))[3];

      for (const u of [patient, staff, admin, nurse]) {
        expect(
          (
            await api
              .as(u.token)
              .post(`/appointments/${first.body.id}/follow-up`, { startsAt: later.startsAt })
          ).status,
          u.role,
        ).to.equal(403);
      }
      expect(
        (
          await api
            .as(otherDoctor.token)
            .post(`/appointments/${first.body.id}/follow-up`, { startsAt: later.startsAt })
        ).status,
      ).to.equal(404);
      const res = await api.as(doctor.token).post(`/appointments/${first.body.id}/follow-up`, {
        startsAt: later.startsAt,
        reason: 'Review results',
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.include({
        followUpOf: first.body.id,
        patientId: patient.patientId,
        doctorId: doctor.id,
        status: 'confirmed',
      });
      expect(await jobsFor(`send_appointment_reminder:${res.body.id}:`)).to.have.length(2);
    });

    it('keeps an appointment with a fee pending until paid: approve 409 payment_required, then 200 once paid', async () => {
      const doctor = await bookableDoctor({ feeCents: 5000 });
      const [slot] = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      const res = await api.as(manager.token).post(`/appointments/${booked.body.id}/approve`, {});
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('payment_required');
      await knex()('appointments').where({ id: booked.body.id }).update({ paymentStatus: 'paid' });
      const ok = await api.as(manager.token).post(`/appointments/${booked.body.id}/approve`, {});
      expect(ok.status).to.equal(200);
      expect(await jobsFor(`expire_unpaid_appointment:${booked.body.id}`)).to.have.length(0);
    });

    it('releases an unpaid slot when the payment hold ends (cancelled, reason payment_not_received)', async () => {
      const doctor = await bookableDoctor({ feeCents: 5000 });
      const [slot] = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      const [hold] = await jobsFor(`expire_unpaid_appointment:${booked.body.id}`);
      const created = new Date(booked.body.createdAt).getTime();
      expect(runAtOf(hold)).to.equal(created + 30 * 60_000);
      await knex().raw('select graphile_worker.reschedule_jobs(array[?::bigint], run_at := now())', [
        hold.id,
      ]);
      await waitUntil(
        async () =>
          (await knex()('appointments').where({ id: booked.body.id }).first()).status === 'cancelled',
        10_000,
        'expiry',
      );
      const last = await knex()('appointmentStatusHistory')
        .where({ appointmentId: booked.body.id })
        .orderBy('id', 'desc')
        .first();
      expect(last).to.deep.include({
        fromStatus: 'pending',
        toStatus: 'cancelled',
        actorId: null,
        reason: 'payment_not_received',
      });
      const when = formatLocal(new Date(slot.startsAt), 'UTC');
      await inbox().waitFor(
        patient.email,
        (m) => m.subject === `Appointment cancelled: ${when}` && m.text.includes(booked.body.id),
      );
      expect(await jobsFor(`expire_unpaid_appointment:${booked.body.id}`)).to.have.length(0);
    });

    it('holds patients to the cancellation cut-off (409 cancellation_cutoff) but not staff (200)', async () => {
      const doctor = await bookableDoctor();
      const soon = await api.as(patient.token).get(`/doctors/${doctor.id}/slots`);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: soon.body.items[0].startsAt });
      expect(booked.status).to.equal(201);
      const res = await api.as(patient.token).post(`/appointments/${booked.body.id}/cancel`, {});
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('cancellation_cutoff');
      const moved = await api
        .as(patient.token)
        .post(`/appointments/${booked.body.id}/reschedule`, { startsAt: soon.body.items[20].startsAt });
      expect(moved.status).to.equal(409);
      expect((await api.as(staff.token).post(`/appointments/${booked.body.id}/cancel`, {})).status).to.equal(
        200,
      );
    });

    it('refuses to reschedule onto a taken slot (409 slot_taken), off the grid (400) or to the same time (400)', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const a = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[0].startsAt });
      await api
        .as(otherPatient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[1].startsAt });
      const taken = await api
        .as(staff.token)
        .post(`/appointments/${a.body.id}/reschedule`, { startsAt: slots[1].startsAt });
      expect(taken.status).to.equal(409);
      expect(errorOf(taken).code).to.equal('slot_taken');
      const off = await api.as(staff.token).post(`/appointments/${a.body.id}/reschedule`, {
        startsAt: new Date(new Date(slots[2].startsAt).getTime() + 60_000).toISOString(),
      });
      expect(errorOf(off).code).to.equal('not_a_slot');
      const same = await api
        .as(staff.token)
        .post(`/appointments/${a.body.id}/reschedule`, { startsAt: slots[0].startsAt });
      expect(same.status).to.equal(400);
      // Pending appointments get no reminders when moved.
      const ok = await api
        .as(staff.token)
        .post(`/appointments/${a.body.id}/reschedule`, { startsAt: slots[3].startsAt });
      expect(ok.status).to.equal(200);
      expect(await jobsFor(`send_appointment_reminder:${a.body.id}:`)).to.have.length(0);
    });
    it('lets exactly one of two simultaneous reschedules onto one free slot win (200 + 409 slot_taken)', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const ids: string[] = [];
      for (const [u, i] of [
        [patient, 0],
        [otherPatient, 2],
      ] as const) {
        const res = await api
          .as(u.token)
          .post('/appointments', { doctorId: doctor.id, startsAt: slots[i].startsAt });
        expect(res.status).to.equal(201);
        ids.push(res.body.id);
      }
      const results = await Promise.all(
        ids.map((id) =>
          api.as(staff.token).post(`/appointments/${id}/reschedule`, { startsAt: slots[5].startsAt }),
        ),
      );
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
      expect(errorOf(results.find((r) => r.status === 409)!).code).to.equal('slot_taken');
      const atSlot = await knex()('appointments').where({
        doctorId: doctor.id,
        startsAt: new Date(slots[5].startsAt),
      });
      expect(atSlot).to.have.length(1);
    });
  });

  describe('jobs', () => {
    it('marks a confirmed appointment no-show after its end when nobody completed it', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      await api.as(manager.token).post(`/appointments/${booked.body.id}/approve`, {});
      await startedAgo(booked.body.id, 120);
      const row = await knex()('appointments').where({ id: booked.body.id }).first();
      await knex().raw(`select graphile_worker.add_job('mark_no_show', ?::json, job_key := ?)`, [
        JSON.stringify({ appointmentId: row.id, endsAt: row.endsAt.toISOString() }),
        `mark_no_show:${row.id}`,
      ]);
      await waitUntil(
        async () => (await knex()('appointments').where({ id: row.id }).first()).status === 'no-show',
        10_000,
        'no-show',
      );
    });

    it('schedules the no-show job at end + AUTO_NO_SHOW_MINUTES on confirmation, moves it on reschedule, and lets a stale or early run change nothing', async () => {
      const doctor = await bookableDoctor();
      const slots = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slots[0].startsAt });
      const id = booked.body.id as string;
      expect(await jobsFor(`mark_no_show:${id}`)).to.have.length(0);
      await api.as(manager.token).post(`/appointments/${id}/approve`, {});
      const [job] = await jobsFor(`mark_no_show:${id}`);
      expect(runAtOf(job)).to.equal(new Date(slots[0].endsAt).getTime() + 60 * 60_000);
      await api.as(staff.token).post(`/appointments/${id}/reschedule`, { startsAt: slots[3].startsAt });
      const moved = await jobsFor(`mark_no_show:${id}`);
      expect(moved).to.have.length(1);
      expect(runAtOf(moved[0])).to.equal(new Date(slots[3].endsAt).getTime() + 60 * 60_000);

      // Early (the appointment has not started) and stale (an old end) runs leave it confirmed.
      for (const endsAt of [slots[3].endsAt, slots[0].endsAt]) {
        await knex().raw(`select graphile_worker.add_job('mark_no_show', ?::json)`, [
          JSON.stringify({ appointmentId: id, endsAt: new Date(endsAt).toISOString() }),
        ]);
      }
      await drainJobs('mark_no_show');
      expect((await knex()('appointments').where({ id }).first()).status).to.equal('confirmed');
      expect(await jobsFor(`mark_no_show:${id}`)).to.have.length(1);

      // Completed in time: the scheduled job is gone and a late copy changes nothing.
      await startedAgo(id, 30);
      const done = await api.as(doctor.token).post(`/appointments/${id}/complete`, {});
      expect(done.status).to.equal(200);
      expect(await jobsFor(`mark_no_show:${id}`)).to.have.length(0);
      expect(await jobsFor(`send_appointment_reminder:${id}:`)).to.have.length(0);
      const row = await knex()('appointments').where({ id }).first();
      await knex().raw(`select graphile_worker.add_job('mark_no_show', ?::json)`, [
        JSON.stringify({ appointmentId: id, endsAt: row.endsAt.toISOString() }),
      ]);
      await drainJobs('mark_no_show');
      expect((await knex()('appointments').where({ id }).first()).status).to.equal('completed');
    });

    it('does nothing for a reminder whose appointment moved or is no longer confirmed', async () => {
      const doctor = await bookableDoctor();
      const [slot] = await slotsOn(doctor, 2);
      const booked = await api
        .as(patient.token)
        .post('/appointments', { doctorId: doctor.id, startsAt: slot.startsAt });
      const id = booked.body.id as string;
      const addReminder = (startsAt: string) =>
        knex().raw(`select graphile_worker.add_job('send_appointment_reminder', ?::json)`, [
          JSON.stringify({ appointmentId: id, hoursBefore: 24, startsAt }),
        ]);
      await addReminder(slot.startsAt); // still pending
      await drainJobs('send_appointment_reminder');
      await api.as(manager.token).post(`/appointments/${id}/approve`, {});
      await addReminder(new Date(new Date(slot.startsAt).getTime() + 3600_000).toISOString()); // wrong start
      await drainJobs('send_appointment_reminder');
      const sent = await knex()('emailDeliveries').where('ledgerKey', 'like', `appointment_reminder:${id}:%`);
      expect(sent).to.have.length(0);
    });
  });

  describe('reading (GET /appointments, GET /appointments/:id) and the role matrix', () => {
    let doctor: TestUser;
    let otherDoctor: TestUser;
    let mine: string;
    let theirs: string;

    before(async () => {
      doctor = await bookableDoctor();
      otherDoctor = await bookableDoctor();
      const [s1] = await slotsOn(doctor, 5);
      const [s2] = await slotsOn(otherDoctor, 5);
      mine = (
        await api.as(patient.token).post('/appointments', { doctorId: doctor.id, startsAt: s1.startsAt })
      ).body.id;
      theirs = (
        await api
          .as(otherPatient.token)
          .post('/appointments', { doctorId: otherDoctor.id, startsAt: s2.startsAt })
      ).body.id;
    });

    const ids = (body: { items: { id: string }[] }) => body.items.map((a) => a.id);

    it('scopes lists by role: patient own, doctor theirs, nurse/staff/admin all (200)', async () => {
      const list = async (u: TestUser, q = '') =>
        (await api.as(u.token).get(`/appointments?limit=100${q}`)).body;
      expect(ids(await list(patient)))
        .to.include(mine)
        .and.not.include(theirs);
      expect(ids(await list(otherPatient)))
        .to.include(theirs)
        .and.not.include(mine);
      expect(ids(await list(doctor))).to.deep.equal([mine]);
      expect(ids(await list(otherDoctor))).to.deep.equal([theirs]);
      for (const u of [nurse, staff, admin, manager, superAdmin]) {
        const body = await list(u, `&doctorId=${doctor.id}`);
        expect(ids(body), u.role).to.deep.equal([mine]);
      }
      expect(ids(await list(patient, `&doctorId=${otherDoctor.id}`))).to.deep.equal([]);
    });

    it('filters by status, patient and date range, and pages with a cursor', async () => {
      const q = (s: string) => api.as(admin.token).get(`/appointments?${s}`);
      expect(ids((await q(`patientId=${otherPatient.patientId}&status=pending&limit=100`)).body)).to.include(
        theirs,
      );
      expect(
        ids(
          (await q(`patientId=${otherPatient.patientId}&status=confirmed&status=completed&limit=100`)).body,
        ),
      ).to.not.include(theirs);
      const from = new Date(Date.now() + 5 * DAY_MS);
      from.setUTCHours(0, 0, 0, 0);
      const to = new Date(from.getTime() + DAY_MS);
      const inRange = await q(`from=${from.toISOString()}&to=${to.toISOString()}&limit=100`);
      expect(ids(inRange.body)).to.include.members([mine, theirs]);
      const before = await q(`to=${from.toISOString()}&doctorId=${doctor.id}`);
      expect(ids(before.body)).to.deep.equal([]);

      const page1 = await q(`limit=1&patientId=${patient.patientId}`);
      expect(page1.body.items).to.have.length(1);
      expect(page1.body.nextCursor).to.be.a('string');
      const page2 = await q(`limit=1&patientId=${patient.patientId}&cursor=${page1.body.nextCursor}`);
      expect(page2.status).to.equal(200);
      expect(page2.body.items[0].id).to.not.equal(page1.body.items[0].id);
      expect(new Date(page2.body.items[0].startsAt).getTime()).to.be.at.least(
        new Date(page1.body.items[0].startsAt).getTime(),
      );
    });

    it('answers bad list filters with 400', async () => {
      for (const s of [
        'status=done',
        'limit=0',
        'limit=101',
        'doctorId=x',
        'from=soon',
        'cursor=garbage',
        'extra=1',
        'to=2026-12-31T23:59:60Z',
      ]) {
        const res = await api.as(admin.token).get(`/appointments?${s}`);
        expect(res.status, s).to.equal(400);
        errorOf(res);
      }
      expect((await api.as().get('/appointments')).status).to.equal(401);
    });

    it('shows one appointment to its patient, its doctor, nurse, staff and admins, and 404 to everyone else', async () => {
      for (const u of [patient, doctor, nurse, staff, admin, manager, superAdmin]) {
        const res = await api.as(u.token).get(`/appointments/${mine}`);
        expect(res.status, u.role).to.equal(200);
        expect(res.body.id).to.equal(mine);
      }
      for (const u of [otherPatient, otherDoctor]) {
        for (const path of [`/appointments/${mine}`, `/appointments/${mine}/history`]) {
          const res = await api.as(u.token).get(path);
          expect(res.status, `${u.role} ${path}`).to.equal(404);
          expect(errorOf(res).code).to.equal('not_found');
        }
      }
      expect((await api.as(admin.token).get(`/appointments/${NO_ID}`)).status).to.equal(404);
      expect((await api.as(admin.token).get('/appointments/nope')).status).to.equal(400);
    });

    it('lets each action only to its roles: 403 for other roles, 404 for records not theirs, 400 for bad input', async () => {
      const allowed: Record<string, TestUser[]> = {
        approve: [admin, manager, superAdmin],
        reject: [admin, manager, superAdmin],
        cancel: [patient, staff, admin],
        complete: [doctor, staff, admin],
        'no-show': [doctor, staff, admin],
        reschedule: [patient, staff, admin],
        'follow-up': [doctor],
      };
      const everyone = [patient, doctor, nurse, staff, admin, manager, superAdmin];
      const plainAdmin = await createUser('admin');
      for (const [act, roles] of Object.entries(allowed)) {
        for (const u of everyone) {
          if (
            roles.includes(u) ||
            (u.role === 'super-admin' && roles.includes(admin)) ||
            (u === manager && roles.includes(admin))
          )
            continue;
          const res = await api.as(u.token).post(`/appointments/${theirs}/${act}`, {});
          expect(res.status, `${u.role} ${act}`).to.equal(403);
        }
      }
      // Records the caller may not see answer 404 even where the role may act.
      const later = { startsAt: new Date(Date.now() + 7 * DAY_MS).toISOString() };
      for (const [act, body] of [
        ['cancel', {}],
        ['reschedule', later],
      ] as const) {
        expect(
          (await api.as(patient.token).post(`/appointments/${theirs}/${act}`, body)).status,
          act,
        ).to.equal(404);
      }
      for (const [act, body] of [
        ['complete', {}],
        ['no-show', {}],
        ['follow-up', later],
      ] as const) {
        expect(
          (await api.as(doctor.token).post(`/appointments/${theirs}/${act}`, body)).status,
          act,
        ).to.equal(404);
      }
      expect((await api.as(plainAdmin.token).post(`/appointments/${NO_ID}/approve`, {})).status).to.equal(
        404,
      );
      // Bad input → 400 envelope on every action.
      for (const [act, roles] of Object.entries(allowed)) {
        const as = api.as(roles[0].token);
        const badId = await as.post(`/appointments/not-a-uuid/${act}`, {});
        expect(badId.status, act).to.equal(400);
        const extra = await as.post(`/appointments/${mine}/${act}`, { status: 'confirmed' });
        expect(extra.status, act).to.equal(400);
        expect(errorOf(extra).details).to.deep.include({
          path: '/status',
          message: 'is not an accepted field',
        });
        const longReason = await as.post(`/appointments/${mine}/${act}`, { reason: 'x'.repeat(1001) });
        expect(longReason.status, act).to.equal(400);
      }
      for (const act of ['reschedule', 'follow-up']) {
        const missing = await api
          .as(act === 'reschedule' ? staff.token : doctor.token)
          .post(`/appointments/${mine}/${act}`, {});
        expect(missing.status, act).to.equal(400);
        expect(errorOf(missing).details![0].path).to.equal('/startsAt');
      }
      const noTime = await api
        .as(staff.token)
        .post(`/appointments/${mine}/reschedule`, { startsAt: 'later' });
      expect(noTime.status).to.equal(400);
      expect(errorOf(noTime).details![0].path).to.equal('/startsAt');
    });
  });
});
