/** Input shapes of notifications (TypeBox): the domain owns them; the API validates requests with them. */
import { PageQueryProps, StrictObject, StringEnum, Type, Uuid, type Static } from '../../lib/schema.js';
import { ROLES } from '../auth/actor.js';

export const ListNotificationsQuery = StrictObject({
  unread: Type.Optional(Type.Boolean({ default: false })),
  ...PageQueryProps,
});
export type ListNotificationsQuery = Static<typeof ListNotificationsQuery>;

export const SendNotificationInput = StrictObject({
  userId: Type.Optional(Uuid),
  role: Type.Optional(StringEnum(ROLES)),
  title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  body: Type.String({ minLength: 1, maxLength: 5000, pattern: '\\S' }),
  type: Type.Optional(StringEnum(['system', 'custom'] as const)),
  email: Type.Optional(Type.Boolean()),
});
export type SendNotificationInput = Static<typeof SendNotificationInput>;
