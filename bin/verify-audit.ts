/**
 * `npm run audit:verify`: recomputes the hash chain of the audit log and reports the first broken
 * link. Exit codes: 0 intact, 1 tampered, 2 could not check (configuration, connection).
 * Uses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset (as `npm start` does).
 */
import path from 'node:path';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { verifyAuditChain } from '../domain/audit/verify-chain.js';
import { loadConfig } from '../lib/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/embedded-postgres.js';

let embedded: EmbeddedDatabase | undefined;
let code = 2;
try {
  const config = loadConfig();
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'));
    const u = new URL(embedded.url);
    u.pathname = '/clinicflow';
    url = u.toString();
  }
  const knex = connectDatabase(url, 2);
  const report = await verifyAuditChain(knex);
  if (report.ok) {
    console.log(
      `audit log intact: ${report.checked} rows, head #${report.headId ?? '-'} ${report.headHash ?? '(empty)'}`,
    );
    code = 0;
  } else {
    const b = report.broken!;
    console.error(
      `audit log TAMPERED: first broken link at row #${b.id} (${b.reason}); expected ${b.expected}, found ${b.actual}. ` +
        `${report.checked} rows before it verified.`,
    );
    code = 1;
  }
} catch (err) {
  console.error(`audit:verify could not check the log: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await disconnectDatabase().catch(() => {});
  await embedded?.stop().catch(() => {});
}
process.exit(code);
