import { defineRoutes } from '../../route.js';

export const remindersRoutes = defineRoutes([]);
