import { createUser, createWalkInPatient, mapPatient, type TestUser } from './factories.js';
import { testContext } from './context.js';
import type { TestResponse } from './http.js';

/** Who calls, relative to the world's patient `P`. */
export const SUBJECTS = [
  'own',
  'otherPatient',
  'mappedDoctor',
  'unmappedDoctor',
  'apptDoctor',
  'nurse',
  'staff',
  'admin',
  'superAdmin',
] as const;
export type Subject = (typeof SUBJECTS)[number];

/**
 * One patient `P` (a patient user) and a caller of every kind: P themself, another patient, a doctor
 * mapped to P, an unrelated doctor, a doctor with a (past, completed) appointment with P, a nurse,
 * staff, an admin and a super-admin.
 */
export interface AccessWorld {
  patientId: string;
  users: Record<Subject, TestUser>;
}

/** Inserts an appointment row directly (the scheduling rules are not under test here). */
export async function insertAppointment(
  doctorId: string,
  patientId: string,
  opts: { status?: string; startsAt?: Date; minutes?: number } = {},
): Promise<string> {
  const startsAt = opts.startsAt ?? new Date(Date.now() - 3 * 86_400_000 - Math.floor(Math.random() * 1e9));
  const endsAt = new Date(startsAt.getTime() + (opts.minutes ?? 30) * 60_000);
  const [row] = await testContext()
    .knex('appointments')
    .insert({ doctorId, patientId, startsAt, endsAt, status: opts.status ?? 'completed' })
    .returning('id');
  return row.id as string;
}

/** Builds a fresh {@link AccessWorld}; each call makes new accounts, so worlds never interfere. */
export async function buildAccessWorld(): Promise<AccessWorld> {
  const [own, otherPatient, mappedDoctor, unmappedDoctor, apptDoctor, nurse, staff, admin, superAdmin] =
    await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('doctor'),
      createUser('doctor'),
      createUser('doctor'),
      createUser('nurse'),
      createUser('staff'),
      createUser('admin'),
      createUser('super-admin'),
    ]);
  const patientId = own.patientId!;
  await mapPatient(patientId, mappedDoctor.id);
  await insertAppointment(apptDoctor.id, patientId);
  return {
    patientId,
    users: { own, otherPatient, mappedDoctor, unmappedDoctor, apptDoctor, nurse, staff, admin, superAdmin },
  };
}

/** A walk-in patient in the same care relations as P: mapped to mappedDoctor, seen by apptDoctor. */
export async function carePatient(world: AccessWorld): Promise<string> {
  const p = await createWalkInPatient();
  await mapPatient(p.id, world.users.mappedDoctor.id);
  await insertAppointment(world.users.apptDoctor.id, p.id);
  return p.id;
}

/** One row of the matrix: a route called by every subject, with the status each must get. */
export interface MatrixCase {
  route: string;
  expect: Record<Subject, number>;
  call: (token: string, subject: Subject) => Promise<TestResponse>;
}

/** Expected statuses: `base` for everyone, overridden per subject. */
export const statuses = (
  base: number,
  overrides: Partial<Record<Subject, number>> = {},
): Record<Subject, number> =>
  Object.fromEntries(SUBJECTS.map((s) => [s, overrides[s] ?? base])) as Record<Subject, number>;

/**
 * Calls the route as every subject (in order) and returns one line per unexpected status, so a
 * failing route reports every wrong cell at once.
 */
export async function runMatrixCase(world: AccessWorld, c: MatrixCase): Promise<string[]> {
  const problems: string[] = [];
  for (const s of SUBJECTS) {
    const res = await c.call(world.users[s].token, s);
    if (res.status !== c.expect[s])
      problems.push(
        `${c.route} as ${s}: expected ${c.expect[s]}, got ${res.status} ${res.text.slice(0, 160)}`,
      );
    if (res.status >= 400 && !(res.body as { error?: unknown })?.error)
      problems.push(`${c.route} as ${s}: ${res.status} without an error envelope`);
  }
  return problems;
}
