import {
  MultiLine,
  PageQueryProps,
  SingleLine,
  StrictObject,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';

/** 1–5,000 characters; newline and tab allowed, every other control character refused. */
export const MessageBody = MultiLine(5000);

/** `POST /conversations`: a conversation about one patient, opened by a member of their care team. */
export const CreateConversationInput = StrictObject({
  patientId: Uuid,
  participantIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
  subject: Type.Optional(SingleLine(200)),
});
export type CreateConversationInput = Static<typeof CreateConversationInput>;

/**
 * `POST /messages`: into a conversation the caller takes part in, or to a recipient (the one-to-one
 * conversation between a patient and a member of their care team, opened on first use).
 * There is no sender field: the sender is always the caller, and an unknown field is a 400.
 */
export const SendMessageInput = Type.Union([
  StrictObject({ conversationId: Uuid, body: MessageBody, reportId: Type.Optional(Uuid) }),
  StrictObject({ recipientId: Uuid, body: MessageBody, reportId: Type.Optional(Uuid) }),
]);
export type SendMessageInput = Static<typeof SendMessageInput>;

/** `POST /conversations/:id/read`: read up to a message (default: the latest). */
export const MarkReadInput = StrictObject({ messageId: Type.Optional(Uuid) });
export type MarkReadInput = Static<typeof MarkReadInput>;

/** `GET /conversations/:id/messages`: newest first by cursor, or oldest first after a message. */
export const ListMessagesInput = StrictObject({ ...PageQueryProps, after: Type.Optional(Uuid) });
export type ListMessagesInput = Static<typeof ListMessagesInput>;

/** `GET /conversations`: most recently active first, optionally about one patient. */
export const ListConversationsInput = StrictObject({ ...PageQueryProps, patientId: Type.Optional(Uuid) });
export type ListConversationsInput = Static<typeof ListConversationsInput>;
