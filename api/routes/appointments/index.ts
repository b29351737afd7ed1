import { defineRoutes } from '../../route.js';

export const appointmentsRoutes = defineRoutes([]);
