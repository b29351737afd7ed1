import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** The newest row of one chain. */
export interface ChainHead {
  chain: number;
  id: number;
  hash: string;
}

/** What {@link verifyAuditChain} found. */
export interface ChainReport {
  ok: boolean;
  /** Rows checked. */
  checked: number;
  /** Hash of the newest row overall. */
  headHash: string | null;
  headId: number | null;
  /**
   * The newest row of every chain, by chain: record them elsewhere to detect removal of the newest
   * rows later, which links alone cannot prove.
   */
  heads: ChainHead[];
  /** The first broken link, when `ok` is false. */
  broken?: {
    id: number;
    chain: number;
    reason: 'hash_mismatch' | 'prev_hash_mismatch';
    expected: string;
    actual: string;
  };
}

const GENESIS = '0'.repeat(64);

interface ChainRow {
  id: number;
  chain: number;
  occurredAtText: string;
  actorId: string | null;
  actorRole: string | null;
  patientId: string | null;
  entity: string;
  entityId: string | null;
  action: string;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  detailsText: string;
  prevHash: string;
  hash: string;
}

/**
 * The hash the `audit_events_chain` trigger computes for a row: sha256 over the previous hash and
 * the row's fields joined by `|`, with the time in UTC to the microsecond and details as jsonb text.
 */
export function auditRowHash(prevHash: string, r: Omit<ChainRow, 'prevHash' | 'hash' | 'chain'>): string {
  const parts = [
    prevHash,
    String(r.id),
    r.occurredAtText,
    r.actorId ?? '',
    r.actorRole ?? '',
    r.patientId ?? '',
    r.entity,
    r.entityId ?? '',
    r.action,
    r.outcome,
    r.ip ?? '',
    r.requestId ?? '',
    r.detailsText,
  ];
  return createHash('sha256').update(parts.join('|'), 'utf8').digest('hex');
}

/**
 * Recomputes every audit row's hash in id order and checks each row links to the one before it in
 * its chain (the log is 16 chains, each a row's `chain`). Reports the first broken link: an edited
 * row fails its own hash, a deleted or inserted row breaks the next row's `prevHash`. Reads in
 * batches, so the log's size does not matter.
 */
export async function verifyAuditChain(knex: Knex, opts: { batchSize?: number } = {}): Promise<ChainReport> {
  const batchSize = opts.batchSize ?? 2000;
  const heads = new Map<number, ChainHead>();
  let lastId = 0;
  let checked = 0;
  const report = (broken?: ChainReport['broken']): ChainReport => {
    const sorted = [...heads.values()].sort((a, b) => a.chain - b.chain);
    const newest = sorted.reduce<ChainHead | null>((m, h) => (m && m.id > h.id ? m : h), null);
    return {
      ok: !broken,
      checked,
      headHash: newest?.hash ?? null,
      headId: newest?.id ?? null,
      heads: sorted,
      ...(broken ? { broken } : {}),
    };
  };
  for (;;) {
    const { rows } = (await knex.raw(
      `select id, chain, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "occurredAtText",
              actor_id::text as "actorId", actor_role as "actorRole", patient_id::text as "patientId", entity,
              entity_id as "entityId", action, outcome, ip, request_id as "requestId",
              details::text as "detailsText", prev_hash as "prevHash", hash
         from audit_events where id > ? order by id limit ?`,
      [lastId, batchSize],
    )) as { rows: ChainRow[] };
    for (const r of rows) {
      const prev = heads.get(r.chain)?.hash ?? GENESIS;
      if (r.prevHash !== prev) {
        return report({
          id: r.id,
          chain: r.chain,
          reason: 'prev_hash_mismatch',
          expected: prev,
          actual: r.prevHash,
        });
      }
      const expected = auditRowHash(r.prevHash, r);
      if (expected !== r.hash) {
        return report({ id: r.id, chain: r.chain, reason: 'hash_mismatch', expected, actual: r.hash });
      }
      heads.set(r.chain, { chain: r.chain, id: r.id, hash: r.hash });
      checked += 1;
    }
    if (rows.length < batchSize) break;
    lastId = rows[rows.length - 1].id;
  }
  return report();
}
