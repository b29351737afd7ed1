/**
 * `npm run seed`: fills an empty development database with a small demo clinic, through the same
 * domain functions the API uses, and prints one login per role.
 *
 * Uses DATABASE_URL, else the embedded PostgreSQL of a running `npm start`, else starts the embedded
 * one under DATA_DIR for the run. Refuses with NODE_ENV=production and on a database that already
 * holds clinic data (it never mixes demo rows into real ones). Jobs it queues (emails, reminders,
 * thumbnails) run in the worker of `npm start`; one email job is run here and fails for good, so
 * `npm run jobs -- list --state failed` has something to show.
 * Exit codes: 0 seeded, 1 refused or failed, 78 configuration.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Logger, runOnce } from 'graphile-worker';
import pg from 'pg';
import sharp from 'sharp';
import { addJob } from '../db/jobs.js';
import { connectDatabase, db, disconnectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { approveAppointment } from '../domain/appointments/confirm-appointment.js';
import { bookAppointment } from '../domain/appointments/book-appointment.js';
import { cancelAppointment } from '../domain/appointments/cancel-appointment.js';
import { completeAppointment, markNoShow } from '../domain/appointments/complete-appointment.js';
import { rejectAppointment } from '../domain/appointments/reject-appointment.js';
import type { Actor } from '../domain/auth/actor.js';
import { ensureSuperAdmin } from '../domain/auth/ensure-super-admin.js';
import { registerUser } from '../domain/auth/register.js';
import { generateLinkToken, hashLinkToken } from '../domain/auth/secrets.js';
import { verifyEmail } from '../domain/auth/verify-email.js';
import { updateDoctor } from '../domain/doctors/update-doctor.js';
import { createMapping } from '../domain/mappings/create-mapping.js';
import { createPatient } from '../domain/patients/create-patient.js';
import { createPrescription } from '../domain/prescriptions/create-prescription.js';
import { addToQueue } from '../domain/queue/add-to-queue.js';
import { changeQueueStatus } from '../domain/queue/change-queue-status.js';
import { putRecord } from '../domain/records/put-record.js';
import { createReminder } from '../domain/reminders/create-reminder.js';
import { uploadReport } from '../domain/reports/upload-report.js';
import { createReview } from '../domain/reviews/create-review.js';
import { putDoctorAvailability } from '../domain/scheduling/doctor-availability.js';
import { listFreeSlots } from '../domain/scheduling/free-slots.js';
import { createUser } from '../domain/users/create-user.js';
import { createVisit } from '../domain/visits/create-visit.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { loadEnvFile } from '../lib/env-file.js';
import { resolveJwtSecret } from '../lib/jwt-secret.js';
import { createLogger } from '../lib/logger.js';
import { createMailer, type Mailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { buildTaskList } from '../worker/task-list.js';
import { cliDatabase, type CliDatabase } from './cli-database.js';

/** The password of every demo account. */
export const DEMO_PASSWORD = 'clinicflow-demo';
const DOMAIN = 'demo.clinicflow.example';
const DAY_MS = 24 * 3600_000;

class Refused extends Error {}

interface Login {
  role: string;
  email: string;
  name: string;
}

const actorOf = (user: { id: string; role: Actor['role'] }, extra: Partial<Actor> = {}): Actor => ({
  userId: user.id,
  role: user.role,
  adminRoles: [],
  ...extra,
});

/** Counts that must all be zero for the seed to run: it fills empty databases only. */
async function existingData(): Promise<string | undefined> {
  const [row] = (
    await db().raw(
      `select (select count(*) from users where role <> 'super-admin')::int as users,
            (select count(*) from patients)::int as patients,
            (select count(*) from appointments)::int as appointments`,
    )
  ).rows as { users: number; patients: number; appointments: number }[];
  if (row.users + row.patients + row.appointments === 0) return undefined;
  return `${row.users} account(s), ${row.patients} patient(s), ${row.appointments} appointment(s)`;
}

/** A multipart request body carrying one file, as `uploadReport` receives it from the API. */
function multipart(file: Buffer, filename: string, fields: Record<string, string>): IncomingMessage {
  const boundary = `seed-${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n` +
        'content-type: application/octet-stream\r\n\r\n',
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  const body = Buffer.concat(parts);
  const stream = Readable.from([body]) as unknown as IncomingMessage;
  stream.headers = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': String(body.length),
  };
  return stream;
}

/** A small PNG "scan" for the demo report (its thumbnail is made by the worker). */
const demoScan = () =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 226, g: 236, b: 244 } } })
    .composite([
      {
        input: Buffer.from(
          '<svg width="640" height="480"><text x="40" y="80" font-size="40" fill="#234">Blood panel</text>' +
            '<rect x="40" y="120" width="560" height="12" fill="#68a"/><rect x="40" y="160" width="380" height="12" fill="#68a"/></svg>',
        ),
      },
    ])
    .png()
    .toBuffer();

/** Slots of a doctor on the day `days` from now, as seen by a booking made at `now`. */
async function slotsOn(doctorId: string, days: number, now: Date): Promise<string[]> {
  const from = new Date(Math.floor((Date.now() + days * DAY_MS) / DAY_MS) * DAY_MS);
  const { starts } = await listFreeSlots(
    doctorId,
    { from: from.toISOString(), to: new Date(from.getTime() + DAY_MS).toISOString() },
    now,
  );
  return starts.map((t) => new Date(t).toISOString());
}

/** Creates the demo clinic; returns the logins to print. */
export async function seedDemoClinic(): Promise<Login[]> {
  const email = (local: string) => `${local}@${DOMAIN}`;
  const logins: Login[] = [];

  await ensureSuperAdmin({ email: email('super'), password: DEMO_PASSWORD });
  const superRow = (await db()('users')
    .where({ email: email('super') })
    .first('id')) as { id: string };
  const superActor = actorOf({ id: superRow.id, role: 'super-admin' });
  logins.push({ role: 'super-admin', email: email('super'), name: 'Super Admin' });

  const staffAccount = async (
    role: 'admin' | 'staff' | 'nurse' | 'doctor',
    local: string,
    name: string,
    extra: { adminRoles?: Actor['adminRoles']; specialization?: string } = {},
  ) => {
    const user = await createUser(superActor, {
      name,
      email: email(local),
      password: DEMO_PASSWORD,
      role,
      ...extra,
    });
    logins.push({
      role,
      email: email(local),
      name,
    });
    return actorOf({ id: user.id, role }, { adminRoles: extra.adminRoles ?? [] });
  };
  const admin = await staffAccount('admin', 'admin', 'Alex Admin', {
    adminRoles: ['appointment-manager', 'billing-manager', 'inventory-manager'],
  });
  const reception = await staffAccount('staff', 'reception', 'Robin Reception');
  const nurse = await staffAccount('nurse', 'nurse', 'Noor Nurse');
  const weber = await staffAccount('doctor', 'dr.weber', 'Dr. Lena Weber', { specialization: 'cardiology' });
  const lee = await staffAccount('doctor', 'dr.lee', 'Dr. Sam Lee', { specialization: 'dermatology' });

  // Doctors in two time zones, with visiting hours every day so the demo works on any date.
  for (const [doctor, timeZone, start, end, bio] of [
    [weber, 'Europe/Berlin', '08:00', '18:00', 'Cardiologist in Berlin.'],
    [lee, 'America/New_York', '09:00', '17:00', 'Dermatologist in New York.'],
  ] as const) {
    await updateDoctor(admin, doctor.userId, { timeZone, bio });
    await putDoctorAvailability(admin, doctor.userId, {
      timeZone,
      slotMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 0,
      horizonDays: 90,
      weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end })),
      overrides: [],
    });
  }

  // Two patients with accounts (registered and verified as a user would) and three walk-ins.
  const patientAccount = async (local: string, name: string) => {
    const user = await registerUser({ name, email: email(local), password: DEMO_PASSWORD, role: 'patient' });
    // What the emailed link does: the token's hash on the verification row, then verify-email.
    const token = generateLinkToken();
    await db()('emailVerifications')
      .where({ userId: user.id })
      .whereNull('usedAt')
      .whereNull('voidedAt')
      .update({ tokenHash: hashLinkToken(token), expiresAt: db().raw(`now() + interval '1 day'`) });
    await verifyEmail(token);
    const profile = (await db()('patients').where({ userId: user.id }).first('id')) as { id: string };
    logins.push({ role: 'patient', email: email(local), name });
    return { actor: actorOf({ id: user.id, role: 'patient' }, { patientId: profile.id }), id: profile.id };
  };
  const ada = await patientAccount('ada', 'Ada Lovelace');
  const grace = await patientAccount('grace', 'Grace Hopper');
  const walkIns = [];
  for (const input of [
    { name: 'Alan Turing', birthDate: '1954-06-07', gender: 'male', phone: '+44 20 7946 0018' },
    { name: 'Katherine Johnson', age: 52, gender: 'female', address: '1 Launch Road, Hampton' },
    { name: 'Edsger Dijkstra', age: 70, gender: 'male' },
  ]) {
    walkIns.push(await createPatient(reception, input));
  }

  for (const [patientId, doctor] of [
    [ada.id, weber],
    [grace.id, lee],
    [walkIns[0].id, weber],
    [walkIns[1].id, lee],
  ] as const) {
    await createMapping(admin, { patientId, doctorId: doctor.userId });
  }
  await putRecord(weber, ada.id, 0, {
    allergies: [{ substance: 'penicillin', reaction: 'rash', severity: 'moderate' }],
    conditions: [{ name: 'hypertension', status: 'active', since: '2019-03-01' }],
    surgeries: [{ procedure: 'appendectomy', date: '2004-08-15' }],
    lifestyle: { smoking: 'never', alcohol: 'occasional', exercise: 'cycling, 3x a week' },
    familyHistory: [{ relation: 'father', condition: 'coronary artery disease' }],
  });
  await putRecord(lee, grace.id, 0, {
    allergies: [],
    conditions: [{ name: 'eczema', status: 'active' }],
    surgeries: [],
    lifestyle: { smoking: 'former' },
    familyHistory: [],
  });

  // Appointments in every status. Past ones are booked "as of" a week ago, as they would have been.
  const weekAgo = new Date(Date.now() - 7 * DAY_MS);
  const [pastA, pastB] = await slotsOn(weber.userId, -2, weekAgo);
  const completed = await bookAppointment(
    reception,
    { doctorId: weber.userId, patientId: ada.id, startsAt: pastA, reason: 'Chest pain on exertion' },
    weekAgo,
  );
  await approveAppointment(admin, completed.id);
  await completeAppointment(weber, completed.id);
  const noShow = await bookAppointment(
    reception,
    { doctorId: weber.userId, patientId: walkIns[0].id, startsAt: pastB, reason: 'Check-up' },
    weekAgo,
  );
  await approveAppointment(admin, noShow.id);
  await markNoShow(reception, noShow.id, 'Did not come');
  const [leePast] = await slotsOn(lee.userId, -1, weekAgo);
  const completedLee = await bookAppointment(
    reception,
    { doctorId: lee.userId, patientId: grace.id, startsAt: leePast, reason: 'Itchy rash' },
    weekAgo,
  );
  await approveAppointment(admin, completedLee.id);
  await completeAppointment(lee, completedLee.id);

  const now = new Date();
  const soonWeber = await slotsOn(weber.userId, 2, now);
  const soonLee = await slotsOn(lee.userId, 3, now);
  await bookAppointment(ada.actor, {
    doctorId: weber.userId,
    startsAt: soonWeber[2],
    reason: 'Follow-up on blood pressure',
  });
  const confirmed = await bookAppointment(grace.actor, {
    doctorId: lee.userId,
    startsAt: soonLee[1],
    reason: 'Skin check',
  });
  await approveAppointment(admin, confirmed.id);
  const cancelled = await bookAppointment(reception, {
    doctorId: weber.userId,
    patientId: walkIns[1].id,
    startsAt: soonWeber[4],
  });
  await cancelAppointment(reception, cancelled.id, 'Patient called to cancel');
  const rejected = await bookAppointment(reception, {
    doctorId: lee.userId,
    patientId: walkIns[2].id,
    startsAt: soonLee[3],
  });
  await rejectAppointment(admin, rejected.id, 'Referral needed first');

  // Visits, a report, a review, a prescription with upcoming reminders, a custom reminder.
  await createVisit(weber, {
    patientId: ada.id,
    appointmentId: completed.id,
    complaint: 'Chest pain on exertion',
    diagnosis: 'Stable angina, suspected',
    treatment: 'Stress test ordered; low-dose aspirin',
    notes: 'Review results in two weeks.',
  });
  await createVisit(lee, {
    patientId: grace.id,
    appointmentId: completedLee.id,
    complaint: 'Itchy rash on forearms',
    diagnosis: 'Atopic eczema flare',
    treatment: 'Topical corticosteroid',
  });
  await createVisit(nurse, {
    patientId: walkIns[0].id,
    doctorId: weber.userId,
    complaint: 'Blood pressure check',
    treatment: 'BP 128/82',
  });
  await uploadReport(
    weber,
    ada.id,
    multipart(await demoScan(), 'blood-panel.png', { title: 'Blood panel', kind: 'lab' }),
  );
  await createReview(ada.actor, completed.id, { rating: 5, comment: 'Thorough and kind.' });
  const today = new Date().toISOString().slice(0, 10);
  await createPrescription(weber, {
    appointmentId: completed.id,
    notes: 'Take with food.',
    medications: [
      { name: 'Aspirin', dosage: '75 mg', doseTimes: ['08:00'], startDate: today, durationDays: 30 },
      {
        name: 'Ramipril',
        dosage: '2.5 mg',
        doseTimes: ['08:00', '20:00'],
        startDate: today,
        durationDays: 14,
      },
    ],
  });
  await createReminder(reception, {
    patientId: grace.id,
    message: 'Bring your previous prescriptions to the skin check.',
    dueAt: new Date(Date.now() + 2 * DAY_MS).toISOString(),
  });

  // Today's walk-in queue: one being seen, two waiting.
  const first = await addToQueue(reception, { patientId: walkIns[0].id, doctorId: weber.userId });
  await changeQueueStatus(reception, first.id, 'IN_PROGRESS');
  await addToQueue(reception, { patientId: walkIns[1].id, doctorId: weber.userId });
  await addToQueue(reception, { patientId: walkIns[2].id });

  return logins;
}

/**
 * Queues an email whose template no longer exists and runs it once: it fails for good, like a job
 * left over from an older release, so the jobs admin and console have a failure to show.
 */
async function failedJob(databaseUrl: string): Promise<void> {
  await addJob(
    db(),
    'send_email',
    {
      ledgerKey: `demo_failed:${randomUUID()}`,
      template: 'retired_newsletter',
      to: `ada@${DOMAIN}`,
      vars: { recipientName: 'Ada' },
    },
    { maxAttempts: 1, jobKey: 'demo:retired-newsletter' },
  );
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const tasks = buildTaskList();
    await runOnce({
      pgPool: pool,
      taskList: { send_email: tasks.send_email },
      noHandleSignals: true,
      logger: new Logger(() => () => {}),
    });
  } finally {
    await pool.end();
  }
}

async function main(): Promise<number> {
  loadEnvFile();
  const config = loadConfig(process.env);
  if (config.nodeEnv === 'production') {
    throw new Refused(
      'npm run seed creates accounts with known passwords; it refuses to run with NODE_ENV=production.',
    );
  }
  database = await cliDatabase(config, { command: 'seed', startEmbedded: true });
  const knex = connectDatabase(database.url, 4);
  await migrateDatabase(knex, database.url);
  const existing = await existingData();
  if (existing) {
    throw new Refused(
      `the database already holds ${existing}; the seed only fills an empty database. ` +
        'To start over with the embedded database: stop `npm start`, delete DATA_DIR/pg (.data/pg), ' +
        'start again, then run `npm run seed`.',
    );
  }
  const logger = createLogger('silent');
  mailer = createMailer({
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    outboxDir: path.join(config.dataDir, 'outbox'),
  });
  setServices({ config, logger, mailer, jwtSecret: await resolveJwtSecret(config) });
  const logins = await seedDemoClinic();
  await failedJob(database.url);

  const width = Math.max(...logins.map((l) => l.role.length));
  console.log(
    `Seeded a demo clinic (${database.source === 'DATABASE_URL' ? 'DATABASE_URL' : 'embedded database'}). Every account's password is: ${DEMO_PASSWORD}\n`,
  );
  for (const l of logins) console.log(`  ${l.role.padEnd(width)}  ${l.email.padEnd(36)}  ${l.name}`);
  console.log(
    '\nThe admin also holds the appointment-, billing- and inventory-manager sub-roles.' +
      '\nAlso: two doctors (Europe/Berlin, America/New_York) with visiting hours, five patients, appointments' +
      "\nin every status, visits, a lab report, a review, a prescription with reminders, today's queue," +
      '\nand one failed job (`npm run jobs -- list --state failed`). Emails and reminders go out from' +
      '\nthe worker of `npm start`.',
  );
  return 0;
}

let database: CliDatabase | undefined;
let mailer: Mailer | undefined;
let code: number;
try {
  code = await main();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`seed: invalid configuration: ${err.message}`);
    code = 78;
  } else if (err instanceof Refused) {
    console.error(`seed: ${err.message}`);
    code = 1;
  } else {
    console.error(`seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    code = 1;
  }
}
mailer?.close();
await disconnectDatabase().catch(() => {});
await database?.release().catch(() => {});
process.exit(code);
