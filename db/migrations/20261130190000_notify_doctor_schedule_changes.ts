/**
 * Tells every web process when what decides a doctor's slots changes, so each can keep the doctors'
 * parsed availability in memory (domain/scheduling/doctor-cache.ts) instead of reading and
 * validating it on every slot listing, and still never serve a stale one for more than the
 * notification's flight time.
 *
 * What a cached entry holds: the availability row, the doctor's zone and specialization, and
 * whether the doctor is bookable (an active `doctor` account). So the triggers cover
 * `doctor_availability` (any change), `doctors` (zone, specialization, insert, delete) and `users`
 * (role or status of a doctor, deletion), including paths written later or run by hand in psql;
 * a truncate sends `*` (every doctor). NOTIFY is transactional: the message goes out on commit and
 * never after a rollback, and identical messages of one transaction are sent once. The payload is
 * the doctor id only.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_doctor_schedule_change() returns trigger language plpgsql as $$
    begin
      if tg_level = 'STATEMENT' then
        perform pg_notify('doctor_schedule_changes', '*');
      elsif tg_table_name = 'doctor_availability' then
        perform pg_notify('doctor_schedule_changes', coalesce(new.doctor_id, old.doctor_id)::text);
      else
        perform pg_notify('doctor_schedule_changes', coalesce(new.id, old.id)::text);
      end if;
      return null;
    end $$;

    create trigger doctor_availability_schedule_change_trigger
      after insert or update or delete on doctor_availability
      for each row execute function notify_doctor_schedule_change();
    create trigger doctors_schedule_change_trigger
      after insert or update of time_zone, specialization or delete on doctors
      for each row execute function notify_doctor_schedule_change();
    create trigger users_doctor_schedule_change_trigger
      after update of role, status on users
      for each row
      when ((old.role = 'doctor' or new.role = 'doctor')
            and (old.role is distinct from new.role or old.status is distinct from new.status))
      execute function notify_doctor_schedule_change();
    create trigger users_doctor_schedule_delete_trigger
      after delete on users
      for each row when (old.role = 'doctor')
      execute function notify_doctor_schedule_change();
    create trigger doctor_availability_schedule_truncate_trigger
      after truncate on doctor_availability
      for each statement execute function notify_doctor_schedule_change();
    create trigger doctors_schedule_truncate_trigger
      after truncate on doctors
      for each statement execute function notify_doctor_schedule_change();
    create trigger users_doctor_schedule_truncate_trigger
      after truncate on users
      for each statement execute function notify_doctor_schedule_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists users_doctor_schedule_truncate_trigger on users;
    drop trigger if exists doctors_schedule_truncate_trigger on doctors;
    drop trigger if exists doctor_availability_schedule_truncate_trigger on doctor_availability;
    drop trigger if exists users_doctor_schedule_delete_trigger on users;
    drop trigger if exists users_doctor_schedule_change_trigger on users;
    drop trigger if exists doctors_schedule_change_trigger on doctors;
    drop trigger if exists doctor_availability_schedule_change_trigger on doctor_availability;
    drop function if exists notify_doctor_schedule_change();
  `);
}
