import { defineRoutes } from '../../route.js';

export const reportsRoutes = defineRoutes([]);
