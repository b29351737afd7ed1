import { defineRoutes } from '../../route.js';

export const doctorsRoutes = defineRoutes([]);
