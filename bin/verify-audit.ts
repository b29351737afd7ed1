/**
 * `npm run audit:verify`: recomputes the hash chains of the audit log and reports the first broken
 * link; prints each chain's head (keep them elsewhere to detect removal of the newest rows). Exit codes: 0 intact, 1 tampered, 2 could not check (configuration, connection).
 * Uses DATABASE_URL; when it is unset, the embedded PostgreSQL of a running `npm start`, or else the
 * one under DATA_DIR, started for the check and stopped after it.
 */
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { verifyAuditChain } from '../domain/audit/verify-chain.js';
import { loadConfig } from '../lib/config.js';
import { loadEnvFile } from '../lib/env-file.js';
import { cliDatabase, type CliDatabase } from './cli-database.js';

let database: CliDatabase | undefined;
let code = 2;
try {
  loadEnvFile();
  const config = loadConfig();
  database = await cliDatabase(config, { command: 'audit:verify', startEmbedded: true });
  const knex = connectDatabase(database.url, 2);
  const report = await verifyAuditChain(knex);
  if (report.ok) {
    console.log(
      `audit log intact: ${report.checked} rows, head #${report.headId ?? '-'} ${report.headHash ?? '(empty)'}`,
    );
    for (const h of report.heads) console.log(`  chain ${h.chain}: head #${h.id} ${h.hash}`);
    code = 0;
  } else {
    const b = report.broken;
    console.error(
      `audit log TAMPERED: first broken link at row #${b?.id} of chain ${b?.chain} (${b?.reason}); expected ${b?.expected}, found ${b?.actual}. ` +
        `${report.checked} rows before it verified.`,
    );
    code = 1;
  }
} catch (err) {
  console.error(`audit:verify could not check the log: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await disconnectDatabase().catch(() => {});
  await database?.release().catch(() => {});
}
process.exit(code);
