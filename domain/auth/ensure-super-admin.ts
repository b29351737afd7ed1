import { db } from '../../db/knex.js';
import { hashPassword } from './passwords.js';

/**
 * Creates the first super-admin from SUPER_ADMIN_EMAIL / SUPER_ADMIN_PASSWORD when no account has
 * that email. An existing account is left as it is: the variables bootstrap, they do not reset.
 */
export async function ensureSuperAdmin(admin: { email: string; password: string }): Promise<void> {
  const existing = await db()('users').whereRaw('lower(email) = lower(?)', [admin.email]).first('id');
  if (existing) return;
  const passwordHash = await hashPassword(admin.password);
  await db()('users')
    .insert({
      name: 'Super Admin',
      email: admin.email,
      passwordHash,
      role: 'super-admin',
      status: 'active',
      emailVerified: true,
    })
    .onConflict(db().raw('(lower(email))'))
    .ignore();
}
