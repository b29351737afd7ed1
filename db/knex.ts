import knexFactory, { type Knex } from 'knex';
import { Model, knexSnakeCaseMappers } from 'objection';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';

// timestamptz and date come back as ISO strings: date-only values must never shift across zones.
pg.types.setTypeParser(1082, (v) => v);
// bigint counts fit comfortably in a JS number here (row counts, amounts in cents).
pg.types.setTypeParser(20, (v) => Number(v));

let current: Knex | undefined;

/**
 * Knex options shared by the app, migrations and tests: snake_case columns, camelCase in code. With
 * a logger, knex's own warnings (a connection dropped by the server, …) go to the structured log
 * instead of raw stderr.
 */
export function knexConfig(connectionString: string, poolMax = 10, logger?: Logger): Knex.Config {
  const log = logger?.child({ component: 'knex' });
  return {
    client: 'pg',
    connection: { connectionString, application_name: 'clinicflow' },
    pool: { min: 0, max: poolMax },
    // A request waits this long for a connection before it answers 503 database_unavailable.
    acquireConnectionTimeout: 10_000,
    ...(log && {
      log: {
        warn: (message: unknown) => log.warn({ detail: String(message) }, 'knex warning'),
        error: (message: unknown) => log.error({ detail: String(message) }, 'knex error'),
        deprecate: (message: unknown) => log.warn({ detail: String(message) }, 'knex deprecation'),
        debug: (message: unknown) => log.debug({ detail: String(message) }, 'knex debug'),
      },
    }),
    ...knexSnakeCaseMappers(),
  };
}

/** Creates the process-wide Knex instance and binds Objection's models to it. */
export function connectDatabase(connectionString: string, poolMax = 10, logger?: Logger): Knex {
  const knex = knexFactory(knexConfig(connectionString, poolMax, logger));
  Model.knex(knex);
  current = knex;
  return knex;
}

/** The process-wide Knex instance. */
export function db(): Knex {
  if (!current) throw new Error('connectDatabase() has not been called');
  return current;
}

/** Closes the process-wide pool. */
export async function disconnectDatabase(): Promise<void> {
  const knex = current;
  current = undefined;
  await knex?.destroy();
}
