/**
 * Knex CLI configuration (`npx knex --knexfile knexfile.ts …`). The app itself migrates through
 * `npm run migrate` (bin/migrate.ts), which also starts the embedded database when needed.
 */
import { knexConfig } from './db/knex.js';
import { migrationConfig } from './db/migrate.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clinicflow';

export default { ...knexConfig(url), migrations: migrationConfig() };
