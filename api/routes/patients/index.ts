import { defineRoutes } from '../../route.js';

export const patientsRoutes = defineRoutes([]);
