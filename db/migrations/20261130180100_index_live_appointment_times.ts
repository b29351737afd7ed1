/**
 * Which live appointments (pending, confirmed) touch a stretch of time, for all doctors at once:
 * `GET /slots` (first free slots across doctors) reads them in one scan. The exclusion constraint's
 * GiST index leads with the doctor, so without this one the search probes it once per doctor.
 * Partial, so the past (completed, cancelled, no-show: most rows) is not in it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index appointments_live_time_idx on appointments
      using gist (tstzrange(starts_at, add_minutes(ends_at, buffer_minutes), '[)'))
      where status in ('pending', 'confirmed')
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists appointments_live_time_idx');
}
