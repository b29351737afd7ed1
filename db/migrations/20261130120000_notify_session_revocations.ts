/**
 * Every write that ends sessions announces it on the `session_revocations` NOTIFY channel, with the
 * user's id only: a logout (a row in `revoked_tokens`), a password change or reset, a suspension or
 * removal (a new `users.token_generation` or `status`), or a deleted account.
 *
 * Why triggers: open Server-Sent Event streams live in whichever web process the client reached,
 * and they must end within seconds of the revocation in any process. A trigger cannot be forgotten
 * by a new code path (an admin command, a SQL fix by an operator), and `pg_notify` inside the
 * writing transaction is delivered when, and only when, it commits. Listeners re-check the sessions
 * of that user against the database; the notification carries no token, status or other content.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_session_revocation() returns trigger language plpgsql as $$
    declare
      subject uuid;
    begin
      -- Separate statements: one expression naming new.user_id would fail on users rows.
      if tg_table_name = 'revoked_tokens' then
        subject := new.user_id;
      elsif tg_op = 'DELETE' then
        subject := old.id;
      else
        subject := new.id;
      end if;
      perform pg_notify('session_revocations', json_build_object('userId', subject)::text);
      return null;
    end $$;

    create trigger revoked_tokens_notify_revocation_trg
      after insert on revoked_tokens
      for each row execute function notify_session_revocation();

    create trigger users_notify_revocation_trg
      after update of token_generation, status on users
      for each row
      when (old.token_generation is distinct from new.token_generation or old.status is distinct from new.status)
      execute function notify_session_revocation();

    create trigger users_notify_deletion_trg
      after delete on users
      for each row execute function notify_session_revocation();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists users_notify_deletion_trg on users;
    drop trigger if exists users_notify_revocation_trg on users;
    drop trigger if exists revoked_tokens_notify_revocation_trg on revoked_tokens;
    drop function if exists notify_session_revocation();
  `);
}
