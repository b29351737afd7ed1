import { defineRoutes } from '../../route.js';

export const reviewsRoutes = defineRoutes([]);
