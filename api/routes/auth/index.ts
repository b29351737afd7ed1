import { defineRoutes } from '../../route.js';

export const authRoutes = defineRoutes([]);
