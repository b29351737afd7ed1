import type { Knex } from 'knex';

/**
 * The audit log becomes 16 hash chains instead of one. A single chain needs one lock held from
 * each audited insert to its COMMIT, so every clinical read, message and record write of the whole
 * clinic queued behind the previous one's commit (issue #18: record reads were the slowest part of
 * the mix, messaging was bound by it). A row now joins chain `pg_backend_pid() % 16`: a database
 * connection runs one transaction at a time, so concurrent requests on different connections
 * rarely share a chain, while each chain keeps every property the single one had — ids drawn under
 * the chain's lock (id order = link order within a chain), each row's hash over its predecessor's.
 * Rows written before this migration are chain 0, which continues from them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table audit_events add column chain smallint not null default 0;
    create index audit_events_chain_idx on audit_events (chain, id);

    create or replace function audit_events_chain() returns trigger language plpgsql as $$
    declare
      v_prev text;
    begin
      new.chain := pg_backend_pid() % 16;
      perform pg_advisory_xact_lock(7461001, new.chain);
      new.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
      select hash into v_prev from audit_events where chain = new.chain order by id desc limit 1;
      new.prev_hash := coalesce(v_prev, repeat('0', 64));
      new.occurred_at := clock_timestamp();
      new.hash := encode(sha256(convert_to(concat_ws('|',
        new.prev_hash, new.id::text, to_char(new.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(new.actor_id::text, ''), coalesce(new.actor_role, ''), coalesce(new.patient_id::text, ''),
        new.entity, coalesce(new.entity_id, ''), new.action, new.outcome, coalesce(new.ip, ''),
        coalesce(new.request_id, ''), new.details::text), 'UTF8')), 'hex');
      return new;
    end $$;
  `);
}

/**
 * Back to one chain. Rows written while sharded stay as they are and do not form one chain, so the
 * single-chain verifier would report the first of them: roll back only right after migrating.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function audit_events_chain() returns trigger language plpgsql as $$
    declare
      v_prev text;
    begin
      perform pg_advisory_xact_lock(7461001);
      new.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
      select hash into v_prev from audit_events order by id desc limit 1;
      new.prev_hash := coalesce(v_prev, repeat('0', 64));
      new.occurred_at := clock_timestamp();
      new.hash := encode(sha256(convert_to(concat_ws('|',
        new.prev_hash, new.id::text, to_char(new.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(new.actor_id::text, ''), coalesce(new.actor_role, ''), coalesce(new.patient_id::text, ''),
        new.entity, coalesce(new.entity_id, ''), new.action, new.outcome, coalesce(new.ip, ''),
        coalesce(new.request_id, ''), new.details::text), 'UTF8')), 'hex');
      return new;
    end $$;
    drop index if exists audit_events_chain_idx;
    alter table audit_events drop column chain;
  `);
}
