import { defineRoutes } from '../../route.js';

export const mappingsRoutes = defineRoutes([]);
