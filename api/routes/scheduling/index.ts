import { defineRoutes } from '../../route.js';

export const schedulingRoutes = defineRoutes([]);
