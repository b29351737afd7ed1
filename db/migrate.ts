import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Knex migration settings; works from sources (tsx) and from the build (`dist/`). */
export function migrationConfig(): Knex.MigratorConfig {
  const compiled = here.split(path.sep).includes('dist');
  return {
    directory: path.join(here, 'migrations'),
    tableName: 'knex_migrations',
    loadExtensions: compiled ? ['.js'] : ['.ts'],
  };
}

/**
 * Brings the database up to date: graphile-worker's schema first (application migrations may
 * queue jobs or reference it), then ours. Safe to run from several processes at once.
 */
export async function migrateDatabase(knex: Knex, connectionString: string): Promise<void> {
  const pool = new pg.Pool({ connectionString, max: 2 });
  // graphile-worker insists on both handlers; a dropped idle client during migration is harmless.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    // Imported here: a web process that does not migrate never loads graphile-worker (≈ 18 MB).
    const { runMigrations: runWorkerMigrations } = await import('graphile-worker');
    await runWorkerMigrations({ pgPool: pool });
  } finally {
    await pool.end();
  }
  await knex.migrate.latest(migrationConfig());
}
