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
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
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

/**
 * Secure messaging between a patient and their care team (docs/telehealth.md). Every route answers
 * only for conversations the caller takes part in; anything else is 404.
 */
export const messagingRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/conversations',
    operationId: 'createConversation',
    summary: 'Open a conversation about a patient (care team), with the patient and chosen colleagues',
    tags: ['messaging'],
    access: ['doctor', 'nurse', 'staff'],
    status: 201,
    body: CreateConversationInput,
    response: Conversation,
    handler: async (ctx) => createConversation(ctx.state.actor!, ctx.state.body as CreateConversationInput),
  },
  {
    method: 'GET',
    path: '/conversations',
    operationId: 'listConversations',
    summary: "The caller's conversations, most recently active first, with unread counts and last messages",
    tags: ['messaging'],
    access: 'authenticated',
    query: ListConversationsInput,
    response: ConversationList,
    handler: async (ctx) =>
      listConversations(ctx.state.actor!, ctx.state.query as unknown as ListConversationsInput),
  },
  {
    method: 'GET',
    path: '/conversations/:id/messages',
    operationId: 'listMessages',
    summary: 'Messages of a conversation: newest first by cursor, or oldest first after= a message',
    tags: ['messaging'],
    access: 'authenticated',
    params: idParams,
    query: ListMessagesInput,
    response: MessageList,
    handler: async (ctx) =>
      listMessages(
        ctx.state.actor!,
        ctx.state.params.id as string,
        ctx.state.query as unknown as ListMessagesInput,
      ),
  },
  {
    method: 'POST',
    path: '/conversations/:id/read',
    operationId: 'markConversationRead',
    summary: "Move the caller's read position up to a message (default: the latest); never backwards",
    tags: ['messaging'],
    access: 'authenticated',
    params: idParams,
    body: MarkReadInput,
    response: ReadState,
    handler: async (ctx) =>
      markRead(ctx.state.actor!, ctx.state.params.id as string, (ctx.state.body ?? {}) as MarkReadInput),
  },
  {
    method: 'POST',
    path: '/messages',
    operationId: 'sendMessage',
    summary: 'Send a message as the caller, into a conversation or to a recipient (one-to-one)',
    tags: ['messaging'],
    access: 'authenticated',
    status: 201,
    body: SendMessageInput,
    response: Message,
    handler: async (ctx) => sendMessage(ctx.state.actor!, ctx.state.body as SendMessageInput),
  },
  {
    method: 'GET',
    path: '/messages/unread',
    operationId: 'getUnreadMessages',
    summary: "The caller's unread messages: total and per conversation",
    tags: ['messaging'],
    access: 'authenticated',
    response: UnreadSummary,
    handler: async (ctx) => unreadSummary(ctx.state.actor!),
  },
  {
    method: 'GET',
    path: '/messages/stream',
    operationId: 'streamMessages',
    summary:
      'Live message, read and resync events as Server-Sent Events (token may be passed as ?access_token=)',
    tags: ['messaging'],
    access: 'authenticated',
    query: StreamQuery,
    responseContentType: 'text/event-stream',
    handler: streamMessages,
  },
  {
    method: 'DELETE',
    path: '/messages/:id',
    operationId: 'deleteMessage',
    summary: 'Delete your own message within 5 minutes of sending it (it stays as a tombstone)',
    tags: ['messaging'],
    access: 'authenticated',
    params: idParams,
    response: Message,
    handler: async (ctx) => deleteMessage(ctx.state.actor!, ctx.state.params.id as string),
  },
]);
