import { defineRoutes } from '../../route.js';

export const metricsRoutes = defineRoutes([]);
