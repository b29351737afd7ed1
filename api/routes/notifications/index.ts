import { defineRoutes } from '../../route.js';

export const notificationsRoutes = defineRoutes([]);
