import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { db } from '../../db/knex.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor, AdminSubRole, Role } from './actor.js';

/** The only algorithm accepted; pinning it is what defeats `alg: none` and key-confusion tokens. */
const ALGORITHM = 'HS256';

const isUuid = (v: unknown): v is string =>
  typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

let signingKey: { secret: string; key: KeyObject } | undefined;

/**
 * The HMAC key as a KeyObject. Given a string, jsonwebtoken first tries (and fails) to parse it as a
 * public key on every verify, which cost about 5 % of the API's CPU in the benchmarks.
 */
function hmacKey(): KeyObject {
  const { jwtSecret } = services();
  if (signingKey?.secret !== jwtSecret)
    signingKey = { secret: jwtSecret, key: createSecretKey(Buffer.from(jwtSecret)) };
  return signingKey.key;
}

interface Claims {
  sub: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
  /** The user's token generation when issued; a password change or suspension bumps it. */
  gen: number;
}

/** Issues an access token for a user. */
export function issueToken(user: { id: string; role: Role; tokenGeneration: number }): {
  token: string;
  expiresAt: Date;
} {
  const { config } = services();
  const token = jwt.sign({ role: user.role, gen: user.tokenGeneration }, hmacKey(), {
    algorithm: ALGORITHM,
    subject: user.id,
    jwtid: randomUUID(),
    expiresIn: config.jwtTtlSeconds,
  });
  const { exp } = jwt.decode(token) as Claims;
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * Verifies a bearer token and loads the current state of its user: signature, expiry (a token
 * without `exp` is refused), revocation
 * (logout), token generation (password change, suspension) and account status are all checked on
 * every request, so revocation is immediate.
 */
export async function authenticateToken(token: string): Promise<Actor> {
  let claims: Claims;
  try {
    claims = jwt.verify(token, hmacKey(), { algorithms: [ALGORITHM] }) as Claims;
  } catch {
    throw new UnauthorizedError('unauthorized', 'The token is invalid or expired.');
  }
  // jsonwebtoken only checks `exp` when present: a token without one would never expire.
  if (
    !isUuid(claims.sub) ||
    !isUuid(claims.jti) ||
    typeof claims.gen !== 'number' ||
    typeof claims.exp !== 'number' ||
    !Number.isFinite(claims.exp)
  ) {
    throw new UnauthorizedError('unauthorized', 'The token is invalid or expired.');
  }
  const row = await db()
    .raw(
      // Raw results bypass the snake_case mappers, hence the quoted camelCase aliases.
      `select u.id, u.role, u.admin_roles as "adminRoles", u.status, u.token_generation as "tokenGeneration",
              p.id as "patientId", exists (select 1 from revoked_tokens r where r.jti = ?::uuid) as revoked
         from users u left join patients p on p.user_id = u.id and p.deleted_at is null
        where u.id = ?::uuid`,
      [claims.jti, claims.sub],
    )
    .then(
      (r) =>
        r.rows[0] as
          | {
              id: string;
              role: Role;
              adminRoles: AdminSubRole[];
              status: string;
              tokenGeneration: number;
              patientId: string | null;
              revoked: boolean;
            }
          | undefined,
    );
  if (!row || row.revoked || row.tokenGeneration !== claims.gen) {
    throw new UnauthorizedError('token_revoked', 'The token has been revoked; sign in again.');
  }
  if (row.status !== 'active') throw new UnauthorizedError('token_revoked', 'The account is not active.');
  return {
    userId: row.id,
    role: row.role,
    adminRoles: row.adminRoles ?? [],
    patientId: row.patientId ?? undefined,
    jti: claims.jti,
    tokenGeneration: claims.gen,
    tokenExpiresAt: new Date(claims.exp * 1000),
  };
}

/**
 * Whether the session an actor was authenticated with still stands: the account is active, its
 * token generation unchanged (no password change, reset, suspension) and the token not logged
 * out or expired. Long-lived responses (SSE streams) ask this when a revocation is announced.
 */
export async function isSessionCurrent(actor: Actor): Promise<boolean> {
  if (!actor.jti || actor.tokenGeneration === undefined) return false;
  if (actor.tokenExpiresAt && actor.tokenExpiresAt.getTime() <= Date.now()) return false;
  const { rows } = await db().raw(
    `select u.status = 'active' and u.token_generation = ?
            and not exists (select 1 from revoked_tokens r where r.jti = ?::uuid) as current
       from users u where u.id = ?::uuid`,
    [actor.tokenGeneration, actor.jti, actor.userId],
  );
  return (rows as { current: boolean }[])[0]?.current === true;
}
