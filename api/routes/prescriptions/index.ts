import { defineRoutes } from '../../route.js';

export const prescriptionsRoutes = defineRoutes([]);
