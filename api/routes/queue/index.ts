import { defineRoutes } from '../../route.js';

export const queueRoutes = defineRoutes([]);
