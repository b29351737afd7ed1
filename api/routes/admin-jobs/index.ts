import { defineRoutes } from '../../route.js';

export const adminJobsRoutes = defineRoutes([]);
