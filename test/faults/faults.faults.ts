/**
 * The fault-injection suite (issue #11): processes of the production build (`dist/`) under load while
 * a dependency fails — the database drops every connection or stops, the mail server refuses, object
 * storage goes away, Stripe answers errors or not at all; each case checks that nothing is lost,
 * nothing is done twice, and that the processes recover by themselves (no restart). Prints a table of
 * faults × outcome.
 *
 * Run with `npm run test:faults` (builds first). Uses PostgreSQL on 127.0.0.1:5432 when it answers
 * and has ≥ 40 free connections (or TEST_DATABASE_URL's server), else an embedded one; the
 * server-stop case always uses an embedded PostgreSQL of its own so it can stop and start it.
 * Each fault's cases live in `<fault>.cases.ts`; what they share is in `harness.ts`.
 */
import { databaseFaults } from './database.cases.js';
import { FaultRig } from './harness.js';
import { smtpFaults } from './smtp.cases.js';
import { storageFaults } from './storage.cases.js';
import { stripeFaults } from './stripe.cases.js';

describe('fault injection: processes of the production build recover by themselves', function () {
  this.timeout(240_000);
  const rig = new FaultRig();

  before(async function () {
    this.timeout(120_000);
    await rig.setUp();
  });

  after(async function () {
    this.timeout(60_000);
    await rig.tearDown();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') rig.printTails();
  });

  databaseFaults(rig);
  smtpFaults(rig);
  storageFaults(rig);
  stripeFaults(rig);
});
