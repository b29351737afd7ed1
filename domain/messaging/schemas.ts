import { Type, type Static } from '@sinclair/typebox';

const Uuid = Type.String({ format: 'uuid' });
/** 1–5,000 characters; newline and tab allowed, every other control character refused. */
export const MessageBody = Type.String({
  minLength: 1,
  maxLength: 5000,
  pattern: '^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]*$',
});
const Subject = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F]*$' });

/** `POST /conversations`: a conversation about one patient, opened by a member of their care team. */
export const CreateConversationInput = Type.Object(
  {
    patientId: Uuid,
    participantIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
    subject: Type.Optional(Subject),
  },
  { additionalProperties: false },
);
export type CreateConversationInput = Static<typeof CreateConversationInput>;

/**
 * `POST /messages`: into a conversation the caller takes part in, or to a recipient (the one-to-one
 * conversation between a patient and a member of their care team, opened on first use).
 * There is no sender field: the sender is always the caller.
 */
export const SendMessageInput = Type.Union([
  Type.Object(
    { conversationId: Uuid, body: MessageBody, reportId: Type.Optional(Uuid) },
    { additionalProperties: false },
  ),
  Type.Object(
    { recipientId: Uuid, body: MessageBody, reportId: Type.Optional(Uuid) },
    { additionalProperties: false },
  ),
]);
export type SendMessageInput = Static<typeof SendMessageInput>;

/** `POST /conversations/:id/read`: read up to a message (default: the latest). */
export const MarkReadInput = Type.Object({ messageId: Type.Optional(Uuid) }, { additionalProperties: false });
export type MarkReadInput = Static<typeof MarkReadInput>;

/** `GET /conversations/:id/messages`: newest first by cursor, or oldest first after a message. */
export const ListMessagesInput = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    after: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ListMessagesInput = Static<typeof ListMessagesInput>;

/** `GET /conversations`: most recently active first. */
export const ListConversationsInput = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    patientId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ListConversationsInput = Static<typeof ListConversationsInput>;
