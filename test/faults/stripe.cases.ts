/**
 * Stripe failing behind the real `stripe` client: a local {@link FakeStripe} in this process answers
 * 500s, then hangs, then carries refunds and checkouts out but answers 500 (the answer lost after
 * Stripe committed), while paid appointments are cancelled (each queues a refund), checkouts are
 * attempted and reconciliation runs. After healing: every refund made exactly once at Stripe, every
 * local row written once, reconciliation converged, clients saw 503 and never another 5xx.
 */
import { expect } from 'chai';
import Stripe from 'stripe';
import { FakeStripe, type StripeFault, WEBHOOK_SECRET } from '../helpers/fake-stripe.js';
import { waitUntil } from '../helpers/wait.js';
import { run, secondsSince, type AppDatabase, type FaultRig, type RunningApp } from './harness.js';

/** Paid appointments cancelled under the fault: one refund each, a quarter per phase. */
const REFUNDS = 24;
/** Pending appointments whose checkout is attempted under the fault: two per phase. */
const CHECKOUTS = 8;
const FEE_CENTS = 5000;
/** How long each of the four phases lasts. */
const PHASE_MS = 6_000;
/** The requests that do work at Stripe: in the last two phases they are carried out, then answered 500. */
const WRITES = ['POST /v1/refunds', 'POST /v1/checkout/sessions'];
/**
 * The phases, each with a quarter of the cancellations and two checkouts, and what those checkouts
 * answer: 503 `payments_unavailable` while Stripe fails, 200 once the client's own retry with the
 * same key gets the stored result back.
 */
const PHASES: { name: string; fault: StripeFault; checkout: number }[] = [
  { name: '500s', fault: { mode: '500' }, checkout: 503 },
  { name: 'hangs', fault: { mode: 'hang' }, checkout: 503 },
  // GETs answer, so refund jobs reach `refunds.create`: Stripe makes the refund, every answer is lost.
  { name: 'answers lost', fault: { mode: 'apply-then-500', paths: WRITES }, checkout: 503 },
  // Only the answer of the request that did the work is lost; the retry gets the replay.
  {
    name: 'first answers lost',
    fault: { mode: 'apply-then-500', paths: WRITES, replays: 'answer' },
    checkout: 200,
  },
];
/**
 * STRIPE_TIMEOUT_MS for the app: a hanging Stripe costs 3 × 1 s plus the client's back-off per call
 * (the product default 20 s would make each hanging call take a minute).
 */
const STRIPE_TIMEOUT_MS = 1000;
/**
 * A refund job failing in the first phases reaches its 4th attempt (e^3 ≈ 20 s after the 3rd) and a
 * reconciliation its 4th or 5th; allow that plus the queue behind them.
 */
const RECOVER_WITHIN_MS = 90_000;

/** A paid, confirmed appointment. */
interface Paid {
  appointmentId: string;
  paymentId: string;
  pi: string;
  email: string;
}

/** `fetch` that records the status (0 for a dropped connection). */
function client(app: RunningApp, token: string, statuses: number[]) {
  return async (method: string, path: string, body?: unknown) => {
    try {
      const res = await fetch(`${app.base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json().catch(() => ({}))) as Record<string, any>;
      statuses.push(res.status);
      return { status: res.status, body: json, retryAfter: res.headers.get('retry-after') };
    } catch {
      statuses.push(0);
      return { status: 0, body: {}, retryAfter: null };
    }
  };
}

/** Posts a signed Stripe event to the app's webhook; returns the status (0 for a dropped connection). */
async function deliver(app: RunningApp, event: Record<string, unknown>): Promise<number> {
  const payload = JSON.stringify(event);
  try {
    const res = await fetch(`${app.base}/api/v1/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
      },
      body: payload,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** A doctor with a fee, REFUNDS + CHECKOUTS walk-in patients with an email, one pending appointment each. */
async function seedAppointments(db: AppDatabase): Promise<{ doctorId: string; ids: string[] }> {
  const [doctor] = await db.q<{ id: string }>(
    `with u as (insert into users (name, email, password_hash, role, status, email_verified)
                values ('Dr. Fault', $1, '!', 'doctor', 'active', true) returning id)
     insert into doctors (id, specialization, fee_cents, currency) select id, 'general', $2, 'usd' from u
     returning id`,
    [`doctor-stripe-${run}@faults.test`, FEE_CENTS],
  );
  const rows = await db.q<{ id: string }>(
    `with p as (
       insert into patients (name, email, time_zone)
       select 'Stripe fault ' || i, 'stripe-' || $1 || '-' || i || '@faults.test', 'UTC'
         from generate_series(1, $2::int) i
       returning id, email)
     insert into appointments (doctor_id, patient_id, starts_at, ends_at, status, fee_cents, currency, refund_policy)
     select $3, p.id, s.t, s.t + interval '30 minutes', 'pending', $4, 'usd',
            '{"fullRefundHours": 24, "latePercent": 50, "noShowPercent": 0}'
       from (select id, email, row_number() over (order by email) as n from p) p,
            lateral (select date_trunc('hour', now()) + interval '72 hours' + p.n * interval '30 minutes' as t) s
     returning id`,
    [run, REFUNDS + CHECKOUTS, doctor.id, FEE_CENTS],
  );
  return { doctorId: doctor.id, ids: rows.map((r) => r.id) };
}

/** Pays the first REFUNDS appointments: checkout through the app, payment at the fake, a signed webhook. */
async function payAppointments(
  db: AppDatabase,
  app: RunningApp,
  fake: FakeStripe,
  ids: string[],
): Promise<Paid[]> {
  const statuses: number[] = [];
  const call = client(app, db.token, statuses);
  for (const id of ids) {
    const res = await call('POST', `/appointments/${id}/checkout`, {});
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const session = fake.pay(res.body.sessionId);
    expect(await deliver(app, fake.event('checkout.session.completed', session))).to.equal(200);
  }
  return waitUntil(
    async () => {
      const rows = await db.q<Paid>(
        `select a.id as "appointmentId", pay.id as "paymentId", pay.stripe_payment_intent_id as pi, p.email
           from appointments a join payments pay on pay.appointment_id = a.id join patients p on p.id = a.patient_id
          where a.id = any($1::uuid[]) and a.status = 'confirmed' and pay.status = 'paid'`,
        [ids],
      );
      // In the order of `ids`, so each phase cancels its own third.
      return rows.length === ids.length
        ? [...rows].sort((a, b) => ids.indexOf(a.appointmentId) - ids.indexOf(b.appointmentId))
        : undefined;
    },
    60_000,
    `${ids.length} appointments paid and confirmed`,
  );
}

/** Queues a reconciliation run as the cron does (one keyed job, retried up to 5 times). */
async function queueReconciliation(db: AppDatabase): Promise<void> {
  await db.q(
    `select graphile_worker.add_job('reconcile_payments', '{}'::json,
              job_key => 'reconcile_payments', max_attempts => 5)`,
  );
}

export function stripeFaults(rig: FaultRig): void {
  it(`Stripe answering 500s, hanging, losing answers (${(PHASES.length * PHASE_MS) / 1000} s): refunds and reconciliation retried, one refund per idempotency key`, async () => {
    const fake = new FakeStripe();
    await fake.start();
    try {
      const db = await rig.newDatabase(rig.adminUrl, 'stripe');
      const app = await rig.startApp(db, 'combined', {
        STRIPE_SECRET_KEY: 'sk_test_faults',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: fake.url,
        STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS),
      });
      const { ids } = await seedAppointments(db);
      const paid = await payAppointments(db, app, fake, ids.slice(0, REFUNDS));
      const pending = ids.slice(REFUNDS);

      // ---- the fault: four phases, each with a quarter of the cancellations and two checkouts ----
      const statuses: number[] = [];
      const call = client(app, db.token, statuses);
      const checkoutAnswers: { phase: string; status: number; code?: string; retryAfter: string | null }[] =
        [];
      const perPhase = REFUNDS / PHASES.length;
      const faultStart = Date.now();
      for (const [i, phase] of PHASES.entries()) {
        const phaseStart = Date.now();
        fake.fail(phase.fault);
        // The cron's keyed job, queued again each phase (as the next tick replaces a run waiting to retry).
        await queueReconciliation(db);
        const batch = paid.slice(i * perPhase, (i + 1) * perPhase);
        await Promise.all([
          ...batch.map(async (p) => {
            const res = await call('POST', `/appointments/${p.appointmentId}/cancel`, {});
            expect(res.status, `cancel under ${phase.name}: ${JSON.stringify(res.body)}`).to.equal(200);
            await call('GET', `/appointments/${p.appointmentId}`);
            // A webhook about the payment: stored at once; its processing reads Stripe, fails, retries.
            const charge = [...fake.charges.values()].find((c) => c.payment_intent === p.pi);
            statuses.push(await deliver(app, fake.event('charge.refunded', charge ?? {})));
          }),
          ...pending.slice(i * 2, i * 2 + 2).map(async (id) => {
            const res = await call('POST', `/appointments/${id}/checkout`, {});
            checkoutAnswers.push({
              phase: phase.name,
              status: res.status,
              code: res.body.error?.code,
              retryAfter: res.retryAfter,
            });
          }),
        ]);
        await new Promise((r) => setTimeout(r, PHASE_MS - (Date.now() - phaseStart)));
      }
      fake.heal();
      const healedAt = Date.now();
      const faultSeconds = secondsSince(faultStart);

      // ---- recovery: every refund done, the retried reconciliation succeeded ----
      const paymentIds = paid.map((p) => p.paymentId);
      let lastState: unknown;
      await waitUntil(
        async () => {
          const [row] = await db.q<{ refunded: number; jobs: number; reconciled: number; events: number }>(
            `select (select count(*) from payments where id = any($1::uuid[])
                       and status = 'refunded' and amount_refunded_cents = $2)::int as refunded,
                    -- Jobs that will still run. (A reconciliation queued while the previous one was
                    -- running takes its key; graphile-worker gives the running one no further attempt.)
                    (select count(*) from graphile_worker.jobs
                      where task_identifier in ('refund_payment', 'reconcile_payments', 'process_stripe_event')
                        and attempts < max_attempts)::int as jobs,
                    (select count(*) from stripe_events where processed_at is null)::int as events,
                    (select count(*) from payment_reconciliation_runs
                      where started_at >= $3 and finished_at is not null and error is null)::int as reconciled`,
            [paymentIds, FEE_CENTS, new Date(faultStart)],
          );
          lastState = row;
          return row.refunded === REFUNDS && row.jobs === 0 && row.events === 0 && row.reconciled > 0;
        },
        RECOVER_WITHIN_MS,
        `${REFUNDS} refunds and a successful reconciliation after healing`,
      ).catch(async (err) => {
        console.log(JSON.stringify(lastState));
        console.log(
          JSON.stringify(
            await db.q(
              `select task_identifier, attempts, max_attempts, run_at, last_error from graphile_worker.jobs
                where task_identifier in ('refund_payment', 'reconcile_payments')`,
            ),
          ),
        );
        throw err;
      });
      const recoverSeconds = secondsSince(healedAt);

      // Checkouts after healing: a session Stripe made under "lost answers" is handed out again.
      const afterStatuses: number[] = [];
      const callAfter = client(app, db.token, afterStatuses);
      await Promise.all(pending.map((id) => callAfter('POST', `/appointments/${id}/checkout`, {})));
      expect(afterStatuses, 'checkouts after healing').to.deep.equal(pending.map(() => 200));

      // Converged: one more reconciliation finds nothing left to repair.
      const [{ last }] = await db.q<{ last: number }>(
        'select coalesce(max(id), 0)::int as last from payment_reconciliation_runs',
      );
      await queueReconciliation(db);
      const final = await waitUntil(
        async () =>
          (
            await db.q<{ error: string | null; fixed: unknown[] }>(
              'select error, fixed from payment_reconciliation_runs where id > $1 and finished_at is not null',
              [last],
            )
          )[0],
        30_000,
        'the final reconciliation run',
      );

      // ---- what happened at Stripe ----
      const stripeRefunds = (pi: string) => [...fake.refunds.values()].filter((r) => r.payment_intent === pi);
      const perPayment = paid.map((p) => ({ ...p, refunds: stripeRefunds(p.pi) }));
      const done = perPayment.filter((p) => p.refunds.length >= 1).length;
      const duplicated = perPayment.reduce((n, p) => n + Math.max(0, p.refunds.length - 1), 0);
      const created = fake.refundCalls.filter((c) => c.created);
      const createdPerKey = new Map<string | undefined, number>();
      for (const c of created)
        createdPerKey.set(c.idempotencyKey, (createdPerKey.get(c.idempotencyKey) ?? 0) + 1);

      // ---- our rows ----
      const localRefunds = await db.q<{
        paymentId: string;
        status: string;
        amount: number;
        stripeRefundId: string | null;
        key: string;
        reason: string;
        invoiceEntries: number;
      }>(
        `select r.payment_id as "paymentId", r.status, r.amount_cents as amount, r.stripe_refund_id as "stripeRefundId",
                r.idempotency_key as key, r.reason,
                (select count(*) from invoice_payments ip where ip.refund_id = r.id)::int as "invoiceEntries"
           from refunds r where r.payment_id = any($1::uuid[])`,
        [paymentIds],
      );
      const attempts = await db.q<{ attempt: number; n: number; lastDoneS: number | null }>(
        `select attempt, count(*)::int as n,
                round(extract(epoch from max(finished_at) filter (where outcome = 'completed') - $1::timestamptz)::numeric, 1)::float as "lastDoneS"
           from job_history where task = 'refund_payment' group by attempt order by attempt`,
        [new Date(healedAt)],
      );
      const [failures] = await db.q<{
        refund: number;
        reconcile: number;
        events: number;
        failedRuns: number;
      }>(
        `select count(*) filter (where task = 'refund_payment')::int as refund,
                count(*) filter (where task = 'reconcile_payments')::int as reconcile,
                count(*) filter (where task = 'process_stripe_event')::int as events,
                (select count(*) from payment_reconciliation_runs where error is not null)::int as "failedRuns"
           from job_history where outcome = 'failed'`,
      );

      // Each patient gets one "refund issued" email.
      const refundEmails = () =>
        rig.smtp.messages.filter(
          (m) => m.subject.startsWith('Refund issued') && m.to.some((t) => t.startsWith(`stripe-${run}-`)),
        );
      await waitUntil(() => refundEmails().length >= REFUNDS, 30_000, `${REFUNDS} refund emails`);
      // No email job left that could still send a second copy.
      await waitUntil(
        async () =>
          (await db.q("select 1 from graphile_worker.jobs where task_identifier = 'send_email' limit 1"))
            .length === 0,
        30_000,
        'email jobs to finish',
      );

      rig.outcomes.push({
        fault: `Stripe ${PHASES.map((p) => p.name).join(' → ')}, ${PHASE_MS / 1000} s each (${REFUNDS} refunds)`,
        jobs: REFUNDS,
        done,
        lost: REFUNDS - done,
        duplicated,
        reruns: failures.refund + failures.reconcile + failures.events,
        requests: statuses.length,
        ok2xx: statuses.filter((s) => s >= 200 && s < 300).length,
        unavailable503: statuses.filter((s) => s === 503).length,
        other5xx: statuses.filter((s) => (s >= 500 && s !== 503) || s === 0).length,
        recoverSeconds,
      });
      console.log(
        `  stripe: ${faultSeconds} s of faults; answered by the fake: ${JSON.stringify(fake.faultCounts)}; ` +
          `refunds made at Stripe whose answer was lost: ${created.filter((c) => c.failed).length}, ` +
          `replayed by key: ${fake.refundCalls.filter((c) => !c.created && !c.failed).length}; ` +
          `failed attempts: ${failures.refund} refund, ${failures.reconcile} reconciliation (${failures.failedRuns} failed runs recorded), ${failures.events} webhook processing; ` +
          `refund attempts (attempt: runs, last completion s after healing): ${attempts.map((a) => `${a.attempt}: ${a.n}, ${a.lastDoneS ?? '–'}`).join('; ')}`,
      );

      // Every refund exactly once at Stripe, one per idempotency key, the full fee.
      expect(
        perPayment.map((p) => p.refunds.length),
        'refunds per payment at Stripe',
      ).to.deep.equal(paid.map(() => 1));
      expect(perPayment.map((p) => p.refunds[0].amount)).to.deep.equal(paid.map(() => FEE_CENTS));
      expect([...createdPerKey.values()], 'refunds created per idempotency key').to.deep.equal(
        paid.map(() => 1),
      );
      expect([...createdPerKey.keys()].sort()).to.deep.equal(
        paid.map((p) => `refund:${p.paymentId}:${FEE_CENTS}`).sort(),
      );
      // The hard cases happened: Stripe made refunds whose answers were lost (found again by the
      // retried job, or replayed to the client's own retry by their key), and every fault bit.
      expect(created.filter((c) => c.failed).length, 'refunds made while the answer was lost').to.be.above(0);
      expect(
        fake.refundCalls.filter((c) => !c.created && !c.failed).length,
        'refunds replayed by their idempotency key',
      ).to.be.above(0);
      expect(fake.faultCounts['500']).to.be.above(0);
      expect(fake.faultCounts.hang).to.be.above(0);
      expect(fake.faultCounts['apply-then-500']).to.be.above(0);

      // Every local refund row once, linked to its Stripe refund, on the invoice once.
      expect(localRefunds.length, 'local refund rows').to.equal(REFUNDS);
      for (const p of perPayment) {
        const rows = localRefunds.filter((r) => r.paymentId === p.paymentId);
        expect(
          rows.map((r) => [r.status, r.amount, r.stripeRefundId, r.key, r.reason, r.invoiceEntries]),
        ).to.deep.equal([
          ['succeeded', FEE_CENTS, p.refunds[0].id, `refund:${p.paymentId}:${FEE_CENTS}`, 'cancellation', 1],
        ]);
      }
      const emails = refundEmails().flatMap((m) => m.to);
      expect(new Set(emails).size, 'patients emailed about their refund').to.equal(REFUNDS);
      expect(emails.length, 'refund emails (each once)').to.equal(REFUNDS);

      // Webhooks: every event stored under the fault was processed after it, without an error left.
      const events = await db.q<{ type: string; outcome: string | null; error: string | null }>(
        `select type, outcome, error from stripe_events where type = 'charge.refunded'`,
      );
      expect(events.length, 'webhooks stored').to.equal(REFUNDS);
      expect(events.filter((e) => e.outcome === null || e.error !== null)).to.deep.equal([]);
      expect(failures.events, 'failed webhook processing attempts').to.be.above(0);

      // Reconciliation: retried through the fault, then nothing left to repair.
      expect(failures.reconcile, 'failed reconciliation attempts').to.be.above(0);
      expect(final.error).to.equal(null);
      expect(final.fixed).to.deep.equal([]);

      // Checkout: 503 payments_unavailable with Retry-After while Stripe fails, 200 once the client's
      // retry is replayed; one session per idempotency key either way.
      expect(
        checkoutAnswers.map((a) => [
          a.phase,
          a.status,
          a.code,
          a.status === 503 ? /^\d+$/.test(a.retryAfter ?? '') : null,
        ]),
      ).to.have.deep.members(
        PHASES.flatMap((p) =>
          [1, 2].map(() =>
            p.checkout === 503
              ? [p.name, 503, 'payments_unavailable', true]
              : [p.name, p.checkout, undefined, null],
          ),
        ),
      );
      const sessionsCreated = new Map<string | undefined, number>();
      for (const c of fake.sessionCalls.filter((s) => s.created))
        sessionsCreated.set(c.idempotencyKey, (sessionsCreated.get(c.idempotencyKey) ?? 0) + 1);
      expect(pending.map((id) => sessionsCreated.get(`checkout:${id}:1`))).to.deep.equal(
        pending.map(() => 1),
      );
      const [{ n: pendingPayments }] = await db.q<{ n: number }>(
        'select count(*)::int as n from payments where appointment_id = any($1::uuid[])',
        [pending],
      );
      expect(pendingPayments, 'one payment row per checkout').to.equal(CHECKOUTS);

      // Clients: 2xx or 503, never another 5xx or a dropped connection; no restart.
      expect(
        statuses.filter((s) => !(s >= 200 && s < 300) && s !== 503),
        'statuses other than 2xx and 503',
      ).to.deep.equal([]);
      rig.expectNoRestart(app);
      await rig.stopApp(db, app);
    } finally {
      await fake.stop();
    }
  });
}
