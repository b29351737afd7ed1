import { expect } from 'chai';
import { DateTime } from 'luxon';
import { db } from '../../db/knex.js';
import { addJob } from '../../db/jobs.js';
import {
  dosesBetween,
  expandTimesPerDay,
  lastDoseOfAll,
  localInstant,
} from '../../domain/prescriptions/dose-plan.js';
import { scheduleDoses } from '../../domain/prescriptions/dose-scheduling.js';
import { expirePrescriptions } from '../../domain/prescriptions/expire-prescriptions.js';
import { sendMedicationReminder } from '../../domain/prescriptions/send-medication-reminder.js';
import { queueReminderTopUps } from '../../domain/prescriptions/top-up-reminders.js';
import { createLogger } from '../../lib/logger.js';
import { startWorker, type WorkerHandle } from '../../worker/index.js';
import { testContext } from '../helpers/context.js';
import { createAppointment, createUser, createWalkInPatient, type TestUser } from '../helpers/factories.js';
import { api } from '../helpers/http.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const iso = (d: Date) => d.toISOString();
const tomorrow = () => DateTime.utc().plus({ days: 1 }).toISODate()!;

interface DoseRow {
  id: string;
  status: string;
  reason: string | null;
  doseAt: Date;
  remindAt: Date;
  prescriptionVersion: number;
}
const doses = (prescriptionId: string) =>
  testContext().knex('medicationDoses').where({ prescriptionId }).orderBy('doseAt') as Promise<DoseRow[]>;

async function prescription(
  opts: { timeZone?: string; medications?: Record<string, unknown>[]; name?: string } = {},
): Promise<{ id: string; patient: TestUser; doctor: TestUser }> {
  const doctor = await createUser('doctor');
  const patient = await createUser('patient', { timeZone: opts.timeZone ?? 'UTC' });
  const { id: appointmentId } = await createAppointment(doctor.id, patient.patientId!);
  const res = await api.as(doctor.token).post('/prescriptions', {
    appointmentId,
    medications: opts.medications ?? [
      {
        name: opts.name ?? 'Lisinopril',
        dosage: '10 mg',
        doseTimes: ['09:00', '21:00'],
        startDate: tomorrow(),
        durationDays: 30,
      },
    ],
  });
  expect(res.status, res.text).to.equal(201);
  return { id: res.body.id, patient, doctor };
}

/**
 * Moves one scheduled dose so that it is due now (reminder time just passed, dose in about five
 * minutes); `nth` keeps several moved doses of one medication on distinct instants.
 */
async function makeDue(doseId: string, nth = 0): Promise<void> {
  const doseAt = new Date(Date.now() + 5 * 60_000 + nth * 1000);
  await testContext()
    .knex('medicationDoses')
    .where({ id: doseId })
    .update({ doseAt, remindAt: new Date(doseAt.getTime() - 10 * 60_000) });
}

describe('medication reminders', () => {
  describe('dose arithmetic', () => {
    it('keeps 08:00 Europe/Berlin at 08:00 local across the October 2026 change (reminders 05:50Z, then 06:50Z)', () => {
      const meds = [{ doseTimes: ['08:00'], startDate: '2026-10-24', durationDays: 3 }];
      const got = dosesBetween(
        meds,
        'Europe/Berlin',
        new Date('2026-10-23T00:00:00Z'),
        new Date('2026-10-30T00:00:00Z'),
      );
      expect(got.map((d) => iso(d.doseAt))).to.deep.equal([
        '2026-10-24T06:00:00.000Z',
        '2026-10-25T07:00:00.000Z',
        '2026-10-26T07:00:00.000Z',
      ]);
      expect(got.map((d) => iso(new Date(d.doseAt.getTime() - 10 * 60_000)))).to.deep.equal([
        '2026-10-24T05:50:00.000Z',
        '2026-10-25T06:50:00.000Z',
        '2026-10-26T06:50:00.000Z',
      ]);
      expect(iso(lastDoseOfAll(meds, 'Europe/Berlin'))).to.equal('2026-10-26T07:00:00.000Z');
    });

    it('moves a local time that does not exist forward, and takes the later of two that exist twice', () => {
      expect(iso(localInstant('2027-03-28', '02:30', 'Europe/Berlin'))).to.equal('2027-03-28T01:30:00.000Z');
      expect(iso(localInstant('2026-10-25', '02:30', 'Europe/Berlin'))).to.equal('2026-10-25T01:30:00.000Z');
      expect(iso(localInstant('2026-11-01', '01:30', 'America/New_York'))).to.equal(
        '2026-11-01T06:30:00.000Z',
      );
    });

    it('expands timesPerDay into evenly spaced waking-hour doses', () => {
      expect(expandTimesPerDay(1)).to.deep.equal(['08:00']);
      expect(expandTimesPerDay(2)).to.deep.equal(['08:00', '20:00']);
      expect(expandTimesPerDay(3)).to.deep.equal(['08:00', '14:00', '20:00']);
      expect(expandTimesPerDay(4)).to.deep.equal(['08:00', '12:00', '16:00', '20:00']);
      expect(expandTimesPerDay(5)).to.deep.equal(['08:00', '11:00', '14:00', '17:00', '20:00']);
      expect(() => expandTimesPerDay(0)).to.throw(RangeError);
    });

    it('only yields doses inside the half-open window, in time order', () => {
      const meds = [
        { doseTimes: ['20:00', '08:00'], startDate: '2027-01-01', durationDays: 2 },
        { doseTimes: ['12:00'], startDate: '2027-01-02', durationDays: 1 },
      ];
      const got = dosesBetween(
        meds,
        'UTC',
        new Date('2027-01-01T08:00:00Z'),
        new Date('2027-01-02T12:00:00Z'),
      );
      expect(got.map((d) => [d.medicationIndex, iso(d.doseAt)])).to.deep.equal([
        [0, '2027-01-01T20:00:00.000Z'],
        [0, '2027-01-02T08:00:00.000Z'],
        [1, '2027-01-02T12:00:00.000Z'],
      ]);
    });
  });

  describe('scheduling', () => {
    it('stores remind_at 06:50Z before and 05:50Z after the March 2027 change for a Berlin patient, with jobs at those minutes', async () => {
      const p = await prescription({
        timeZone: 'Europe/Berlin',
        medications: [
          {
            name: 'Ramipril',
            dosage: '5 mg',
            doseTimes: ['08:00'],
            startDate: '2027-03-26',
            durationDays: 4,
          },
        ],
      });
      expect(await doses(p.id)).to.have.length(0);
      await db().transaction((trx) => scheduleDoses(trx, p.id, { now: new Date('2027-03-26T12:00:00Z') }));
      const rows = await doses(p.id);
      expect(rows.map((d) => [iso(d.doseAt), iso(d.remindAt)])).to.deep.equal([
        ['2027-03-27T07:00:00.000Z', '2027-03-27T06:50:00.000Z'],
        ['2027-03-28T06:00:00.000Z', '2027-03-28T05:50:00.000Z'],
      ]);
      const jobs = await jobsFor(`send_medication_reminder:${p.id}:`);
      expect(jobs.map((j) => iso(new Date(j.run_at)))).to.deep.equal(rows.map((d) => iso(d.remindAt)));
    });

    it('keeps a 90-day, 4-times-a-day prescription to a small rolling window that the top-up cron refills without duplicates', async () => {
      const p = await prescription({
        medications: [
          {
            name: 'Metoprolol',
            dosage: '50 mg',
            timesPerDay: 4,
            startDate: DateTime.utc().toISODate(),
            durationDays: 90,
          },
        ],
      });
      const initial = await jobsFor(`send_medication_reminder:${p.id}:`);
      expect(initial.length).to.be.within(8, 12);
      // Pretend the window is about to run out: the cron must queue a top-up for it.
      await testContext()
        .knex('prescriptions')
        .where({ id: p.id })
        .update({ dosesScheduledUntil: new Date(Date.now() + 3600_000) });
      expect(await queueReminderTopUps()).to.be.at.least(1);
      expect(await jobsFor(`schedule_medication_doses:${p.id}`)).to.have.length(1);
      await drainJobs('schedule_medication_doses');
      await queueReminderTopUps();
      await drainJobs('schedule_medication_doses');
      const rows = await doses(p.id);
      expect(new Set(rows.map((d) => iso(d.doseAt))).size).to.equal(rows.length);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(rows.length);
      const [{ dosesScheduledUntil }] = await testContext().knex('prescriptions').where({ id: p.id });
      expect(new Date(dosesScheduledUntil).getTime()).to.be.closeTo(Date.now() + 48 * 3600_000, 60_000);
    });
  });

  describe('time-zone change', () => {
    it('moves pending reminders to the new zone at the next top-up, cancelling the old ones (never two per local dose)', async () => {
      const p = await prescription({
        medications: [
          {
            name: 'Levothyroxine',
            dosage: '50 µg',
            doseTimes: ['09:00'],
            startDate: tomorrow(),
            durationDays: 5,
          },
        ],
      });
      const before = await doses(p.id);
      expect(before.length).to.be.greaterThan(0);
      const res = await api
        .as(p.patient.token)
        .patch(`/patients/${p.patient.patientId}`, { timeZone: 'Asia/Tokyo' });
      expect(res.status, res.text).to.equal(200);

      // The patient edit alone makes the cron reconcile this prescription (its window is not short).
      await queueReminderTopUps();
      expect(await jobsFor(`schedule_medication_doses:${p.id}`)).to.have.length(1);
      await drainJobs('schedule_medication_doses');

      const after = await doses(p.id);
      for (const d of before) {
        expect(after.find((a) => a.id === d.id)).to.include({
          status: 'cancelled',
          reason: 'time_zone_changed',
        });
      }
      const live = after.filter((d) => d.status === 'scheduled');
      expect(live.length).to.be.greaterThan(0);
      const localDays = live.map((d) => DateTime.fromJSDate(d.doseAt, { zone: 'Asia/Tokyo' }));
      expect(localDays.every((t) => t.toFormat('HH:mm') === '09:00')).to.equal(true);
      expect(new Set(localDays.map((t) => t.toISODate())).size).to.equal(live.length);
      const jobs = await jobsFor(`send_medication_reminder:${p.id}:`);
      expect(jobs.map((j) => j.key).sort()).to.deep.equal(
        live.map((d) => `send_medication_reminder:${p.id}:${d.id}`).sort(),
      );
      const row = await testContext().knex('prescriptions').where({ id: p.id }).first();
      const lastDay = DateTime.fromISO(tomorrow(), { zone: 'Asia/Tokyo' }).plus({ days: 4 });
      expect(iso(row.lastDoseAt)).to.equal(iso(lastDay.set({ hour: 9 }).toJSDate()));

      // Reconciled: the next cron run leaves it alone.
      await queueReminderTopUps();
      expect(await jobsFor(`schedule_medication_doses:${p.id}`)).to.have.length(0);
    });
  });

  describe('sending', () => {
    let extra: WorkerHandle[] = [];

    before(async () => {
      const logger = createLogger('silent');
      extra = await Promise.all(
        [1, 2].map(() =>
          startWorker({ connectionString: testContext().databaseUrl, concurrency: 4, logger }),
        ),
      );
    });

    after(async () => {
      await Promise.all(extra.map((w) => w.stop()));
    });

    it('never sends one dose twice with three worker processes and ten concurrent calls (one email, one notification)', async () => {
      const name = `Warfarin-${Date.now().toString(36)}`;
      const p = await prescription({ name });
      const [dose] = await doses(p.id);
      await makeDue(dose.id);
      await db().transaction(async (trx) => {
        for (let i = 0; i < 12; i += 1) {
          await addJob(
            trx,
            'send_medication_reminder',
            { doseId: dose.id },
            { jobKey: `send_medication_reminder:${p.id}:${dose.id}:copy${i}` },
          );
        }
      });
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => sendMedicationReminder(dose.id)));
      await testContext().smtp.waitFor(p.patient.email, (m) => m.subject.includes(name));
      await drainJobs('send_medication_reminder');
      expect(outcomes.filter((o) => o === 'sent').length).to.be.at.most(1);
      expect(
        testContext()
          .smtp.to(p.patient.email)
          .filter((m) => m.subject.includes(name)),
      ).to.have.length(1);
      const notes = await testContext()
        .knex('notifications')
        .where({ userId: p.patient.id, type: 'medication' });
      expect(notes).to.have.length(1);
      const [after] = await testContext().knex('medicationDoses').where({ id: dose.id });
      expect(after.status).to.equal('sent');
    });

    it('sends nothing for a dose of a deleted prescription, even when a stray job for it runs', async () => {
      const name = `Digoxin-${Date.now().toString(36)}`;
      const p = await prescription({ name });
      const [dose] = await doses(p.id);
      expect((await api.as(p.doctor.token).delete(`/prescriptions/${p.id}`)).status).to.equal(204);
      expect(await jobsFor(`send_medication_reminder:${p.id}:`)).to.have.length(0);
      await makeDue(dose.id);
      expect(await sendMedicationReminder(dose.id)).to.equal('cancelled');
      // A claim attempt on a scheduled dose of a deleted prescription cancels it instead of sending.
      await testContext()
        .knex('medicationDoses')
        .where({ id: dose.id })
        .update({ status: 'scheduled', reason: null });
      expect(await sendMedicationReminder(dose.id)).to.equal('cancelled');
      expect((await testContext().knex('medicationDoses').where({ id: dose.id }))[0].status).to.equal(
        'cancelled',
      );
      expect(
        testContext()
          .smtp.to(p.patient.email)
          .filter((m) => m.subject.includes(name)),
      ).to.have.length(0);
    });

    it('skips doses of an older version, opted-out prescriptions and doses long past, recording why', async () => {
      const p = await prescription({
        medications: [
          { name: 'Aspirin', dosage: '100 mg', timesPerDay: 3, startDate: tomorrow(), durationDays: 5 },
        ],
      });
      const [a, b, c] = await doses(p.id);
      for (const [i, d] of [a, b, c].entries()) await makeDue(d.id, i);
      await testContext().knex('medicationDoses').where({ id: a.id }).update({ prescriptionVersion: 0 });
      expect(await sendMedicationReminder(a.id)).to.equal('cancelled');
      await testContext()
        .knex('medicationDoses')
        .where({ id: b.id })
        .update({ doseAt: new Date(Date.now() - 3600_000), remindAt: new Date(Date.now() - 4200_000) });
      expect(await sendMedicationReminder(b.id)).to.equal('skipped');
      await testContext().knex('prescriptions').where({ id: p.id }).update({ remindersEnabled: false });
      expect(await sendMedicationReminder(c.id)).to.equal('cancelled');
      const rows = await testContext()
        .knex('medicationDoses')
        .whereIn('id', [a.id, b.id, c.id])
        .orderBy('id');
      expect(Object.fromEntries(rows.map((r) => [r.id, r.reason]))).to.deep.equal({
        [a.id]: 'prescription_changed',
        [b.id]: 'too_late',
        [c.id]: 'opted_out',
      });
      expect(testContext().smtp.to(p.patient.email)).to.have.length(0);
    });
    it('skips a walk-in patient with no email address (no_channel) and emails one who has an address', async () => {
      const doctor = await createUser('doctor');
      const silent = await createWalkInPatient();
      const address = `walkin-${Date.now().toString(36)}@test.clinicflow.dev`;
      const reachable = await createWalkInPatient({ email: address });
      const results: string[] = [];
      for (const patient of [silent, reachable]) {
        const { id: appointmentId } = await createAppointment(doctor.id, patient.id);
        const res = await api.as(doctor.token).post('/prescriptions', {
          appointmentId,
          medications: [
            {
              name: 'Folic acid',
              dosage: '5 mg',
              doseTimes: ['10:00'],
              startDate: tomorrow(),
              durationDays: 3,
            },
          ],
        });
        expect(res.status, res.text).to.equal(201);
        const [dose] = await doses(res.body.id);
        await makeDue(dose.id);
        results.push(await sendMedicationReminder(dose.id));
        const [row] = await testContext().knex('medicationDoses').where({ id: dose.id });
        expect(row.status).to.equal(patient === silent ? 'skipped' : 'sent');
      }
      expect(results).to.deep.equal(['skipped', 'sent']);
      const mail = await testContext().smtp.waitFor(address, (m) => m.subject.includes('Folic acid'));
      expect(mail.text).to.contain(`Hello ${reachable.name}`);
    });
  });

  describe('expiry', () => {
    it('expires prescriptions whose last dose has passed (the expire_prescriptions cron task), cancelling leftover reminders', async () => {
      const over = await prescription();
      const running = await prescription();
      await testContext()
        .knex('prescriptions')
        .where({ id: over.id })
        .update({ lastDoseAt: new Date(Date.now() - 60_000) });
      expect((await jobsFor(`send_medication_reminder:${over.id}:`)).length).to.be.greaterThan(0);
      await db().transaction((trx) => addJob(trx, 'expire_prescriptions', {}));
      await waitUntil(
        async () =>
          (await testContext().knex('prescriptions').where({ id: over.id }).first()).status === 'expired',
        10_000,
        'expiry',
      );
      expect(await jobsFor(`send_medication_reminder:${over.id}:`)).to.have.length(0);
      expect(
        (await doses(over.id)).every((d) => d.status === 'cancelled' && d.reason === 'prescription_expired'),
      ).to.equal(true);
      expect((await testContext().knex('prescriptions').where({ id: running.id }).first()).status).to.equal(
        'active',
      );
      const audit = await testContext()
        .knex('auditEvents')
        .where({ entity: 'prescription', entityId: over.id, action: 'expire' });
      expect(audit).to.have.length(1);
      expect(await expirePrescriptions()).to.equal(0);
      const res = await api.as(over.patient.token).get(`/prescriptions/${over.id}`);
      expect(res.body.status).to.equal('expired');
    });
  });
});
