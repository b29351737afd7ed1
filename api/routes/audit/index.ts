import { defineRoutes } from '../../route.js';

export const auditRoutes = defineRoutes([]);
