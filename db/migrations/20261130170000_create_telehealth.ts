/**
 * Telehealth: conversations about one patient between the patient and their care team, their
 * messages, and the video calls of appointments.
 *
 * Why the constraints and indexes:
 * - `messages.seq` is a per-conversation position drawn under the conversation row's lock
 *   (`conversations.last_seq`), so positions are gap-free and in commit order within a conversation.
 *   A participant's `last_read_seq` is then an exact watermark: unread = messages after it from
 *   others, which stays exact under concurrent sends and reads (nothing can commit "behind" it).
 * - `messages_conversation_seq_unique` makes a duplicated position impossible and serves every
 *   page and unread count (`conversation_id, seq`).
 * - `messages_body_check`: 1–5,000 characters while live; a deleted message is a tombstone with no
 *   body (`messages_tombstone_check`), so deletion really removes the text.
 * - `conversation_participants_read_check`: a watermark is never negative; the domain only moves it
 *   forward (`greatest`).
 * - `conversations_direct_unique`: at most one one-to-one conversation per patient and care-team
 *   member, so two concurrent "find or open" requests cannot open two.
 * - `video_calls`: one call record per appointment (primary key); `video_calls_end_check` keeps the
 *   end after the start.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table conversations (
      id uuid primary key default gen_random_uuid(),
      patient_id uuid not null references patients(id),
      subject text check (length(subject) between 1 and 200),
      direct_member_id uuid references users(id),
      created_by uuid not null references users(id),
      last_seq bigint not null default 0,
      last_message_at timestamptz,
      created_at timestamptz not null default now()
    );
    create unique index conversations_direct_unique on conversations (patient_id, direct_member_id)
      where direct_member_id is not null;
    create index conversations_patient_idx on conversations (patient_id);

    create table conversation_participants (
      conversation_id uuid not null references conversations(id),
      user_id uuid not null references users(id),
      last_read_seq bigint not null default 0
        constraint conversation_participants_read_check check (last_read_seq >= 0),
      notified_seq bigint not null default 0,
      joined_at timestamptz not null default now(),
      primary key (conversation_id, user_id)
    );
    create index conversation_participants_user_idx on conversation_participants (user_id, conversation_id);

    create table messages (
      id uuid primary key default gen_random_uuid(),
      conversation_id uuid not null references conversations(id),
      seq bigint not null check (seq > 0),
      sender_id uuid not null references users(id),
      body text constraint messages_body_check check (length(body) between 1 and 5000),
      report_id uuid references reports(id),
      created_at timestamptz not null default now(),
      deleted_at timestamptz,
      constraint messages_conversation_seq_unique unique (conversation_id, seq),
      constraint messages_tombstone_check check ((deleted_at is null) = (body is not null))
    );
    create index messages_report_idx on messages (report_id) where report_id is not null;

    create table video_calls (
      appointment_id uuid primary key references appointments(id),
      channel text not null,
      started_at timestamptz not null default now(),
      started_by uuid not null references users(id),
      ended_at timestamptz,
      ended_by uuid references users(id),
      constraint video_calls_end_check check (ended_at is null or ended_at >= started_at)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists video_calls, messages, conversation_participants, conversations');
}
