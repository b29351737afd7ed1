import { defineRoutes } from '../../route.js';

export const paymentsRoutes = defineRoutes([]);
