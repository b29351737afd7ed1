/** The mail server refusing every connection for 30 s while emails are queued. */
import { expect } from 'chai';
import { waitUntil } from '../helpers/wait.js';
import { run, secondsSince, type FaultRig } from './harness.js';

const SMTP_DOWN_MS = 30_000;
const EMAILS = 50;
/**
 * graphile-worker retries a failed job after e^attempt seconds (2.7, 7.4, 20, 55 s…): an email whose
 * 4th attempt falls just before the refusal ends waits ≈ 55 s more, so allow 90 s after recovery.
 */
const DELIVERED_WITHIN_MS = 90_000;

export function smtpFaults(rig: FaultRig): void {
  it(`SMTP refusing for ${SMTP_DOWN_MS / 1000} s: every email delivered once after recovery`, async () => {
    const appDb = await rig.newDatabase(rig.adminUrl, 'smtp');
    const app = await rig.startApp(appDb, 'combined');
    rig.smtp.refuse(true);
    const refusedAt = Date.now();
    const prefix = `smtp-${run}`;
    await appDb.q(
      `select graphile_worker.add_job('send_email',
                json_build_object('ledgerKey', $1 || ':' || i, 'template', 'custom_reminder',
                  'to', $1 || '-' || i || '@faults.test',
                  'vars', json_build_object('recipientName', 'Fault ' || i, 'message', 'fault ' || i, 'dueAtLocal', 'now')),
                job_key => 'send_email:' || $1 || ':' || i)
         from generate_series(1, $2::int) i`,
      [prefix, EMAILS],
    );
    await new Promise((r) => setTimeout(r, SMTP_DOWN_MS - (Date.now() - refusedAt)));
    const delivered = () => rig.smtp.messages.flatMap((m) => m.to).filter((t) => t.startsWith(`${prefix}-`));
    const refusedDuring = delivered().length;
    rig.smtp.refuse(false);
    const upAt = Date.now();
    await waitUntil(() => new Set(delivered()).size === EMAILS, DELIVERED_WITHIN_MS, `${EMAILS} emails`);
    const recoverSeconds = secondsSince(upAt);
    // Every email job finished (none left to send a duplicate) before counting.
    await waitUntil(
      async () => (await appDb.jobsLeft(`send_email:${prefix}:`)) === 0,
      30_000,
      'email jobs to finish',
    );
    const all = delivered();
    const [failed] = await appDb.q<{ n: number }>(
      `select count(*)::int as n from job_history
        where task = 'send_email' and outcome = 'failed' and job_key like 'send_email:' || $1 || ':%'`,
      [prefix],
    );
    rig.outcomes.push({
      fault: `SMTP refusing ${SMTP_DOWN_MS / 1000} s`,
      jobs: EMAILS,
      done: new Set(all).size,
      lost: EMAILS - new Set(all).size,
      duplicated: all.length - new Set(all).size,
      reruns: failed.n,
      requests: 0,
      ok2xx: 0,
      unavailable503: 0,
      other5xx: 0,
      recoverSeconds,
    });
    expect(refusedDuring, 'nothing delivered while refusing').to.equal(0);
    expect(all.length, 'each email exactly once').to.equal(EMAILS);
    rig.expectNoRestart(app);
    await rig.stopApp(appDb, app);
  });
}
