import { Type } from '@sinclair/typebox';
import { ROLES } from '../../../domain/auth/actor.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

export const Message = Type.Object(
  {
    id: Uuid,
    conversationId: Uuid,
    senderId: Uuid,
    body: Type.String({ maxLength: 5000, description: 'Empty once deleted (deletedAt set).' }),
    reportId: Type.Optional(Uuid),
    createdAt: DateTime,
    deletedAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const Participant = Type.Object({
  userId: Uuid,
  name: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
});

export const Conversation = Type.Object({
  id: Uuid,
  patientId: Uuid,
  subject: Type.Optional(Type.String()),
  participants: Type.Array(Participant),
  lastMessageAt: Type.Union([DateTime, Type.Null()]),
  unreadCount: Type.Integer({ minimum: 0 }),
  lastMessage: Type.Union([Message, Type.Null()]),
});

export const ConversationList = Type.Object({
  items: Type.Array(Conversation),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const MessageList = Type.Object({
  items: Type.Array(Message),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ReadState = Type.Object({
  conversationId: Uuid,
  lastReadMessageId: Type.Union([Uuid, Type.Null()]),
  unreadCount: Type.Integer({ minimum: 0 }),
});

export const UnreadSummary = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  conversations: Type.Array(Type.Object({ id: Uuid, unreadCount: Type.Integer({ minimum: 1 }) })),
});

export const StreamQuery = Type.Object(
  {
    /** EventSource cannot send headers: the token may come in the query string on SSE routes only. */
    access_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
