import { defineRoutes } from '../../route.js';

export const visitsRoutes = defineRoutes([]);
