import { randomUUID } from 'node:crypto';
import type { Role, AdminSubRole } from '../../domain/auth/actor.js';
import { hashPassword } from '../../domain/auth/passwords.js';
import { issueToken } from '../../domain/auth/tokens.js';
import { testContext } from './context.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  token: string;
  name: string;
  /** Patient profile of a patient user. */
  patientId?: string;
}

let counter = 0;
/** A unique email address per call, so tests never collide. */
export const uniqueEmail = (prefix = 'user') =>
  `${prefix}-${Date.now().toString(36)}-${++counter}-${randomUUID().slice(0, 6)}@test.clinicflow.dev`;

let cachedHash: Promise<string> | undefined;
const DEFAULT_PASSWORD = 'correct horse battery';

/**
 * Inserts an active, verified account of `role` directly (bypassing registration) and signs a token.
 * Patients get their patient profile, doctors their doctor row.
 */
export async function createUser(
  role: Role,
  opts: {
    status?: string;
    adminRoles?: AdminSubRole[];
    name?: string;
    email?: string;
    doctor?: Record<string, unknown>;
    timeZone?: string;
  } = {},
): Promise<TestUser> {
  const knex = testContext().knex;
  const email = opts.email ?? uniqueEmail(role);
  cachedHash ??= hashPassword(DEFAULT_PASSWORD);
  const name = opts.name ?? `${role} ${counter}`;
  const [user] = await knex('users')
    .insert({
      name,
      email,
      passwordHash: await cachedHash,
      role,
      adminRoles: opts.adminRoles ?? [],
      status: opts.status ?? 'active',
      emailVerified: true,
    })
    .returning(['id', 'tokenGeneration']);
  let patientId: string | undefined;
  if (role === 'patient') {
    const [p] = await knex('patients')
      .insert({ userId: user.id, name, email, timeZone: opts.timeZone ?? 'UTC', createdBy: user.id })
      .returning('id');
    patientId = p.id;
  }
  if (role === 'doctor') {
    await knex('doctors').insert({
      id: user.id,
      specialization: 'general',
      timeZone: opts.timeZone ?? 'UTC',
      ...(opts.doctor ?? {}),
    });
  }
  const { token } = issueToken({ id: user.id, role, tokenGeneration: user.tokenGeneration });
  return { id: user.id, email, password: DEFAULT_PASSWORD, role, token, name, patientId };
}

/** A walk-in patient profile without an account. */
export async function createWalkInPatient(
  fields: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const name = (fields.name as string) ?? `Walk-in ${++counter}`;
  const [p] = await testContext()
    .knex('patients')
    .insert({ name, timeZone: 'UTC', ...fields })
    .returning(['id', 'name']);
  return p;
}

/** Maps a patient to a doctor. */
export async function mapPatient(patientId: string, doctorId: string): Promise<void> {
  await testContext()
    .knex('patientDoctorMappings')
    .insert({ patientId, doctorId })
    .onConflict(['patientId', 'doctorId'])
    .ignore();
}

let appointmentSlot = 0;
/**
 * Inserts an appointment row directly (no booking rules): `status` defaults to `completed`, and each
 * call gets its own hour so confirmed appointments never trip the no-overlap constraint.
 */
export async function createAppointment(
  doctorId: string,
  patientId: string,
  status = 'completed',
): Promise<{ id: string }> {
  const startsAt = new Date(
    Date.UTC(2026, 0, 1) + ++appointmentSlot * 3600_000 + Math.floor(Math.random() * 1e6) * 7200_000,
  );
  const [row] = await testContext()
    .knex('appointments')
    .insert({ doctorId, patientId, startsAt, endsAt: new Date(startsAt.getTime() + 1800_000), status })
    .returning('id');
  return { id: row.id };
}
