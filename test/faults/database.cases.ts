/**
 * Database faults: every backend of the app's database terminated three times in a row (a failover,
 * an operator's pg_terminate_backend, a pooler restart), and the PostgreSQL server stopped and started.
 */
import { expect } from 'chai';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../lib/embedded-postgres.js';
import type { BuiltProcess } from '../scaling/cluster.js';
import { adminQuery, waitReady, type AppDatabase, type FaultRig } from './harness.js';

const KILLS = 3;
/** The server-stop case: how long PostgreSQL stays down. */
const DB_DOWN_MS = 20_000;

/** Terminates every backend of the database KILLS times, waiting for a worker restart in between. */
async function terminateAll(db: AppDatabase, workers: BuiltProcess[]): Promise<void> {
  for (let k = 0; k < KILLS; k++) {
    if (k > 0) await new Promise((r) => setTimeout(r, 1500));
    await adminQuery(
      db.adminUrl,
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [db.name],
    );
  }
  expect(workers.every((w) => w.running)).to.equal(true);
}

export function databaseFaults(rig: FaultRig): void {
  for (const mode of ['combined', 'split'] as const) {
    it(`terminate every backend ${KILLS}× under load (${mode === 'combined' ? 'web + worker in one process' : 'separate web and worker'})`, async () => {
      const db = await rig.newDatabase(rig.adminUrl, `kill_${mode}`);
      const app = await rig.startApp(db, mode);
      await rig.underLoad(`terminate all backends ×${KILLS} (${mode})`, db, app, () =>
        terminateAll(db, app.procs),
      );
      // Ready again: database reachable and the worker runner alive.
      await waitReady(app.procs[0], app.base, 30_000);
      await rig.stopApp(db, app);
    });
  }

  it(`PostgreSQL stopped for ${DB_DOWN_MS / 1000} s and started again (embedded server)`, async function () {
    const dir = path.join(rig.tmpDir, 'pg-stop');
    let server = await startEmbeddedPostgres(dir, { persistent: true });
    rig.embedded.push(server);
    const port = server.port;
    const db = await rig.newDatabase(server.url, 'stop');
    const app = await rig.startApp(db, 'combined');
    let readyzDuringOutage = 0;
    await rig.underLoad(`PostgreSQL down ${DB_DOWN_MS / 1000} s (combined)`, db, app, async () => {
      await new Promise((r) => setTimeout(r, 300));
      await server.stop();
      const downAt = Date.now();
      readyzDuringOutage = (await fetch(`${app.base}/readyz`)).status;
      await new Promise((r) => setTimeout(r, DB_DOWN_MS - (Date.now() - downAt)));
      server = await startEmbeddedPostgres(dir, { persistent: true, port });
      rig.embedded.push(server);
    });
    expect(readyzDuringOutage).to.equal(503);
    await waitReady(app.procs[0], app.base, 60_000);
    await rig.stopApp(db, app);
  });
}
