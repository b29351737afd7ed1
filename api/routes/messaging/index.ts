import { createConversation } from '../../../domain/messaging/create-conversation.js';
import { deleteMessage } from '../../../domain/messaging/delete-message.js';
import { listConversations } from '../../../domain/messaging/list-conversations.js';
import { listMessages } from '../../../domain/messaging/list-messages.js';
import { markRead } from '../../../domain/messaging/mark-read.js';
import {
  CreateConversationInput,
  ListConversationsInput,
  ListMessagesInput,
  MarkReadInput,
  SendMessageInput,
} from '../../../domain/messaging/schemas.js';
import { sendMessage } from '../../../domain/messaging/send-message.js';
import { unreadSummary } from '../../../domain/messaging/unread-summary.js';
import { errorSpec, notFound } from '../../../lib/errors.js';
import { IdParams } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import {
  Conversation,
  ConversationList,
  Message,
  MessageList,
  ReadState,
  StreamQuery,
  UnreadSummary,
} from './schemas.js';
import { streamMessages } from './stream.js';

const tags = ['messaging'];
const notMessaging = errorSpec(403, 'forbidden', 'Admins are not part of a care team and do not message');

/**
 * Secure messaging between a patient and their care team (docs/telehealth.md). Every route answers
 * only for conversations the caller takes part in; for anyone else they do not exist (404).
 */
export const messagingRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/conversations',
    operationId: 'createConversation',
    summary: 'Open a conversation about a patient (care team), with the patient and chosen colleagues',
    description:
      "Participants: the caller, the patient's own account (when there is one) and `participantIds`, each of " +
      'whom must be in the care team of the patient (doctors mapped to them or with an appointment, nurses, staff).',
    tags,
    access: ['doctor', 'nurse', 'staff'],
    status: 201,
    body: CreateConversationInput,
    response: Conversation,
    errors: [notFound('patient'), notFound('participant')],
    handler: async ({ state }) => createConversation(state.actor, state.body),
  }),
  route({
    method: 'GET',
    path: '/conversations',
    operationId: 'listConversations',
    summary: "The caller's conversations, most recently active first, with unread counts and last messages",
    tags,
    access: 'authenticated',
    query: ListConversationsInput,
    response: ConversationList,
    handler: async ({ state }) => listConversations(state.actor, state.query),
  }),
  route({
    method: 'GET',
    path: '/conversations/:id/messages',
    operationId: 'listMessages',
    summary: 'Messages of a conversation: newest first by cursor, or oldest first after= a message',
    description: 'Every read is written to the audit log.',
    tags,
    access: 'authenticated',
    params: IdParams,
    query: ListMessagesInput,
    response: MessageList,
    errors: [notFound('message given as after')],
    handler: async ({ state }) => listMessages(state.actor, state.params.id, state.query),
  }),
  route({
    method: 'POST',
    path: '/conversations/:id/read',
    operationId: 'markConversationRead',
    summary: "Move the caller's read position up to a message (default: the latest); never backwards",
    tags,
    access: 'authenticated',
    params: IdParams,
    body: MarkReadInput,
    response: ReadState,
    errors: [notFound('message')],
    handler: async ({ state }) => markRead(state.actor, state.params.id, state.body),
  }),
  route({
    method: 'POST',
    path: '/messages',
    operationId: 'sendMessage',
    summary: 'Send a message as the caller, into a conversation or to a recipient (one-to-one)',
    description:
      'The sender is always the caller; a `senderId` (or any other unknown field) is refused. With `recipientId` ' +
      'a patient writes to a member of their care team, or a member to a patient in their care, in their one ' +
      'one-to-one conversation (opened on first use). `reportId` attaches a report of the same patient that ' +
      'the sender may read; participants may then read it. Limited to MESSAGE_RATE_LIMIT_PER_MINUTE per user.',
    tags,
    access: 'authenticated',
    status: 201,
    body: SendMessageInput,
    response: Message,
    errors: [
      notMessaging,
      notFound('conversation'),
      notFound('recipient'),
      notFound('report'),
      errorSpec(429, 'rate_limited', 'More than MESSAGE_RATE_LIMIT_PER_MINUTE messages in a minute'),
    ],
    handler: async ({ state }) => sendMessage(state.actor, state.body),
  }),
  route({
    method: 'GET',
    path: '/messages/unread',
    operationId: 'getUnreadMessages',
    summary: "The caller's unread messages: total and per conversation",
    tags,
    access: 'authenticated',
    response: UnreadSummary,
    handler: async ({ state }) => unreadSummary(state.actor),
  }),
  route({
    method: 'GET',
    path: '/messages/stream',
    operationId: 'streamMessages',
    summary:
      'Live message, read and resync events as Server-Sent Events (token may be passed as ?access_token=)',
    tags,
    access: 'authenticated',
    query: StreamQuery,
    responseContentType: 'text/event-stream',
    errors: [
      errorSpec(503, 'message_stream_unavailable', 'This process cannot listen for events right now'),
      errorSpec(429, 'rate_limited', 'Too many open streams for this user (SSE_MAX_STREAMS_PER_USER)'),
    ],
    handler: streamMessages,
  }),
  route({
    method: 'DELETE',
    path: '/messages/:id',
    operationId: 'deleteMessage',
    summary: 'Delete your own message within 5 minutes of sending it (it stays as a tombstone)',
    tags,
    access: 'authenticated',
    params: IdParams,
    response: Message,
    errors: [errorSpec(409, 'delete_window_passed', 'The message is older than 5 minutes')],
    handler: async ({ state }) => deleteMessage(state.actor, state.params.id),
  }),
]);
