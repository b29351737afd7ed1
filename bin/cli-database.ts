import path from 'node:path';
import { ConfigError, type Config } from '../lib/config.js';
import {
  ensureDatabase,
  runningEmbeddedDatabaseUrl,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../lib/embedded-postgres.js';

/** The database an operator command talks to, and how to let go of it. */
export interface CliDatabase {
  url: string;
  /** Where the URL came from, for messages. */
  source: 'DATABASE_URL' | 'running' | 'started';
  /** Stops the embedded cluster when this command started it; otherwise does nothing. */
  release(): Promise<void>;
}

/**
 * Finds the database for an operator command (`jobs`, `migrate`, `audit:verify`, `seed`):
 * `DATABASE_URL`, else the embedded PostgreSQL a running `npm start` published in
 * `DATA_DIR/database-url`. When neither is there it starts the embedded cluster itself if
 * `startEmbedded` (and stops it in `release()`), or throws a {@link ConfigError} saying what to do.
 */
export async function cliDatabase(
  config: Config,
  opts: { command: string; startEmbedded?: boolean },
): Promise<CliDatabase> {
  const none = async () => {};
  if (config.databaseUrl) return { url: config.databaseUrl, source: 'DATABASE_URL', release: none };
  const running = await runningEmbeddedDatabaseUrl(config.dataDir);
  if (running) return { url: running, source: 'running', release: none };
  const dir = path.join(config.dataDir, 'pg');
  if (!opts.startEmbedded) {
    throw new ConfigError(
      'DATABASE_URL',
      `is unset and the embedded PostgreSQL (${dir}) is not running. Start clinicflow with ` +
        `\`npm start\` in another terminal and run \`npm run ${opts.command}\` again, or set ` +
        'DATABASE_URL to the database the server uses.',
    );
  }
  let embedded: EmbeddedDatabase;
  try {
    embedded = await startEmbeddedPostgres(dir);
  } catch (err) {
    throw new ConfigError('DATABASE_URL', `is unset and ${(err as Error).message}`);
  }
  return {
    url: await ensureDatabase(embedded.url, 'clinicflow'),
    source: 'started',
    release: () => embedded.stop(),
  };
}
