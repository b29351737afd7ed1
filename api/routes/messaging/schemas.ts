import { ROLES } from '../../../domain/auth/actor.js';
import { DateTime, ListOf, Nullable, StrictObject, StringEnum, Type, Uuid } from '../../../lib/schema.js';

export const Message = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  senderId: Uuid,
  body: Type.String({ maxLength: 5000, description: 'The text; empty once the sender deleted the message.' }),
  reportId: Type.Optional(Uuid),
  createdAt: DateTime,
  deletedAt: Type.Optional(DateTime),
});

export const Participant = Type.Object({ userId: Uuid, name: Type.String(), role: StringEnum(ROLES) });

export const Conversation = Type.Object({
  id: Uuid,
  patientId: Uuid,
  subject: Type.Optional(Type.String()),
  participants: Type.Array(Participant),
  lastMessageAt: Nullable(DateTime),
  unreadCount: Type.Integer({ minimum: 0, description: "The caller's unread messages in it" }),
  lastMessage: Nullable(Message),
});

export const ConversationList = ListOf(Conversation);
export const MessageList = ListOf(Message);

export const ReadState = Type.Object({
  conversationId: Uuid,
  lastReadMessageId: Nullable(Uuid),
  unreadCount: Type.Integer({ minimum: 0 }),
});

export const UnreadSummary = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  conversations: Type.Array(Type.Object({ id: Uuid, unreadCount: Type.Integer({ minimum: 1 }) })),
});

export const StreamQuery = StrictObject({
  /** EventSource cannot send headers: the token may come in the query string on SSE routes only. */
  access_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
});
