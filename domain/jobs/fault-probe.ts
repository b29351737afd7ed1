import { setTimeout as sleep } from 'node:timers/promises';
import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';

/**
 * SQL of the fault-injection suite's probe tables (created by the suite, never by a migration):
 * one row per probe, every execution of its job, and every effect it had.
 */
export const FAULT_PROBE_TABLES_SQL = `
  create table if not exists fault_probes (id text primary key, done_at timestamptz);
  create table if not exists fault_probe_runs (probe_id text not null, job_id bigint not null,
    attempt int not null, ran_at timestamptz not null default now());
  create table if not exists fault_probe_effects (probe_id text not null,
    at timestamptz not null default now());
`;

/**
 * The fault suite's stand-in for a real task, built like one: it records each execution (so re-runs
 * after a lost connection are visible), then re-reads its subject under a row lock and applies its
 * effect only if not applied yet. An effect counted twice means a job was done twice.
 */
export async function runFaultProbe(probeId: string, jobId: string, attempt: number, workMs: number) {
  await db()('faultProbeRuns').insert({ probeId, jobId, attempt });
  if (workMs > 0) await sleep(workMs);
  await withTransaction(async (trx) => {
    const probe = await trx('faultProbes').where({ id: probeId }).forUpdate().first();
    if (!probe || probe.doneAt) return;
    await trx('faultProbeEffects').insert({ probeId });
    await trx('faultProbes').where({ id: probeId }).update({ doneAt: trx.fn.now() });
  });
}
