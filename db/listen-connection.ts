import type { Knex } from 'knex';
import { db } from './knex.js';

/**
 * The connection string of the process's database, read from the Knex pool's configuration, for a
 * dedicated `LISTEN` connection: also right when the database is the embedded one (DATABASE_URL unset).
 */
export function listenConnectionString(): string {
  const conn = (db().client as { config: Knex.Config }).config.connection as
    string | { connectionString?: string } | undefined;
  const url = typeof conn === 'string' ? conn : conn?.connectionString;
  if (!url) throw new Error('the database connection has no connection string to LISTEN with');
  return url;
}
