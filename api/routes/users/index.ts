import { defineRoutes } from '../../route.js';

export const usersRoutes = defineRoutes([]);
