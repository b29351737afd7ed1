import { changeUserStatus, type ChangeUserStatusInput } from '../../../domain/users/change-user-status.js';
import { createUser, type CreateUserInput } from '../../../domain/users/create-user.js';
import { listUsers, type ListUsersQuery } from '../../../domain/users/list-users.js';
import { updateMe, type UpdateMeInput } from '../../../domain/users/update-me.js';
import { loadUserView } from '../../../domain/users/user-view.js';
import { NotFoundError } from '../../../lib/errors.js';
import { defineRoutes } from '../../route.js';
import { idParams, listOf } from '../../schemas.js';
import { presentUser } from './present.js';
import { changeStatusBody, createUserBody, listUsersQuery, updateMeBody, userSchema } from './schemas.js';

export const usersRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/users/me',
    operationId: 'getMe',
    summary: 'The signed-in account (with patientId, doctorId or adminRoles for its role)',
    tags: ['users'],
    access: 'authenticated',
    response: userSchema,
    handler: async (ctx) => {
      const user = await loadUserView(ctx.state.actor!.userId);
      if (!user) throw new NotFoundError('user');
      return presentUser(user);
    },
  },
  {
    method: 'PATCH',
    path: '/users/me',
    operationId: 'updateMe',
    summary: 'Update own name, phone, gender (and time zone for patients)',
    tags: ['users'],
    access: 'authenticated',
    body: updateMeBody,
    response: userSchema,
    handler: async (ctx) => presentUser(await updateMe(ctx.state.actor!, ctx.state.body as UpdateMeInput)),
  },
  {
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List accounts (admins), filtered by role, status or a name/email search',
    tags: ['users'],
    access: ['admin'],
    query: listUsersQuery,
    response: listOf(userSchema),
    handler: async (ctx) => {
      const page = await listUsers(ctx.state.query as unknown as ListUsersQuery);
      return { items: page.items.map(presentUser), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'POST',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create a staff, nurse, doctor or (super-admin only) admin account, active at once',
    tags: ['users'],
    access: ['admin'],
    status: 201,
    body: createUserBody,
    response: userSchema,
    handler: async (ctx) =>
      presentUser(await createUser(ctx.state.actor!, ctx.state.body as CreateUserInput)),
  },
  {
    method: 'PATCH',
    path: '/users/:id/status',
    operationId: 'changeUserStatus',
    summary: 'Approve, suspend, reactivate or remove an account (suspend/remove ends its sessions)',
    tags: ['users'],
    access: ['admin'],
    params: idParams,
    body: changeStatusBody,
    response: userSchema,
    handler: async (ctx) =>
      presentUser(
        await changeUserStatus(
          ctx.state.actor!,
          ctx.state.params.id as string,
          ctx.state.body as ChangeUserStatusInput,
        ),
      ),
  },
]);
