import { changeUserStatus } from '../../../domain/users/change-user-status.js';
import { createUser } from '../../../domain/users/create-user.js';
import { listUsers } from '../../../domain/users/list-users.js';
import { updateMe } from '../../../domain/users/update-me.js';
import { loadUserView } from '../../../domain/users/user-view.js';
import { NotFoundError, errorSpec } from '../../../lib/errors.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams, ListOf } from '../../../lib/schema.js';
import { presentUser } from './present.js';
import { User } from './schemas.js';
import {
  ChangeUserStatusInput,
  CreateUserInput,
  ListUsersQuery,
  UpdateMeInput,
} from '../../../domain/users/schemas.js';

export const usersRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/users/me',
    operationId: 'getMe',
    summary: 'The signed-in account (with patientId, doctorId or adminRoles for its role)',
    tags: ['users'],
    access: 'authenticated',
    response: User,
    handler: async (ctx) => {
      const user = await loadUserView(ctx.state.actor.userId);
      if (!user) throw new NotFoundError('user');
      return presentUser(user);
    },
  }),
  route({
    method: 'PATCH',
    path: '/users/me',
    operationId: 'updateMe',
    summary: 'Update own name, phone, gender (and time zone for patients)',
    tags: ['users'],
    access: 'authenticated',
    body: UpdateMeInput,
    response: User,
    handler: async (ctx) => presentUser(await updateMe(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List accounts (admins), filtered by role, status or a name/email search',
    tags: ['users'],
    access: ['admin'],
    query: ListUsersQuery,
    response: ListOf(User),
    handler: async (ctx) => {
      const page = await listUsers(ctx.state.query);
      return { items: page.items.map(presentUser), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'POST',
    path: '/users',
    errors: [errorSpec(409, 'duplicate', 'Such a record already exists')],
    operationId: 'createUser',
    summary: 'Create a staff, nurse, doctor or (super-admin only) admin account, active at once',
    tags: ['users'],
    access: ['admin'],
    status: 201,
    body: CreateUserInput,
    response: User,
    handler: async (ctx) => presentUser(await createUser(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'PATCH',
    path: '/users/:id/status',
    errors: [errorSpec(409, 'invalid_transition', 'Not allowed from the current status')],
    operationId: 'changeUserStatus',
    summary: 'Approve, suspend, reactivate or remove an account (suspend/remove ends its sessions)',
    tags: ['users'],
    access: ['admin'],
    params: IdParams,
    body: ChangeUserStatusInput,
    response: User,
    handler: async (ctx) =>
      presentUser(await changeUserStatus(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
]);
