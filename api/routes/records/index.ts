import { defineRoutes } from '../../route.js';

export const recordsRoutes = defineRoutes([]);
