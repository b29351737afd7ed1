/**
 * Tells every web process when a signed-in user's standing changes, so each can keep the result of
 * the per-request token lookup in memory (domain/auth/actor-cache.ts) and still honour a revocation
 * at once.
 *
 * Why triggers rather than calls in the domain functions: every path that ends a session or changes
 * what a token grants — logout (a `revoked_tokens` row), password change and reset and suspension
 * (`token_generation`), status, role and admin sub-roles, a patient profile linked, unlinked or
 * deleted — is covered, including paths written later or run by hand in psql. NOTIFY is
 * transactional: the message goes out on commit and never after a rollback. The payload is the
 * user id only.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_actor_change() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'users' then
        perform pg_notify('actor_changes', coalesce(new.id, old.id)::text);
      elsif tg_op = 'DELETE' then
        if old.user_id is not null then perform pg_notify('actor_changes', old.user_id::text); end if;
      else
        if new.user_id is not null then perform pg_notify('actor_changes', new.user_id::text); end if;
        if tg_op = 'UPDATE' and old.user_id is distinct from new.user_id and old.user_id is not null then
          perform pg_notify('actor_changes', old.user_id::text);
        end if;
      end if;
      return null;
    end $$;

    create trigger users_actor_change_trigger
      after update of role, admin_roles, status, token_generation or delete on users
      for each row execute function notify_actor_change();
    create trigger revoked_tokens_actor_change_trigger
      after insert on revoked_tokens
      for each row execute function notify_actor_change();
    create trigger patients_actor_change_trigger
      after insert or update of user_id, deleted_at or delete on patients
      for each row execute function notify_actor_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists patients_actor_change_trigger on patients;
    drop trigger if exists revoked_tokens_actor_change_trigger on revoked_tokens;
    drop trigger if exists users_actor_change_trigger on users;
    drop function if exists notify_actor_change();
  `);
}
