import type { RouteDef } from '../route.js';
import { adminJobsRoutes } from './admin-jobs/index.js';
import { analyticsRoutes } from './analytics/index.js';
import { appointmentsRoutes } from './appointments/index.js';
import { auditRoutes } from './audit/index.js';
import { consoleRoutes } from './console/index.js';
import { authRoutes } from './auth/index.js';
import { billingRoutes } from './billing/index.js';
import { doctorsRoutes } from './doctors/index.js';
import { inventoryRoutes } from './inventory/index.js';
import { mappingsRoutes } from './mappings/index.js';
import { messagingRoutes } from './messaging/index.js';
import { metricsRoutes } from './metrics/index.js';
import { notificationsRoutes } from './notifications/index.js';
import { opsRoutes } from './ops/index.js';
import { patientsRoutes } from './patients/index.js';
import { paymentsRoutes } from './payments/index.js';
import { prescriptionsRoutes } from './prescriptions/index.js';
import { queueRoutes } from './queue/index.js';
import { recordsRoutes } from './records/index.js';
import { remindersRoutes } from './reminders/index.js';
import { reportsRoutes } from './reports/index.js';
import { reviewsRoutes } from './reviews/index.js';
import { schedulingRoutes } from './scheduling/index.js';
import { usersRoutes } from './users/index.js';
import { videoRoutes } from './video/index.js';
import { visitsRoutes } from './visits/index.js';

/** The API's table of contents: every operation, one route table per area. */
export const allRoutes: RouteDef[] = [
  ...opsRoutes,
  ...authRoutes,
  ...usersRoutes,
  ...patientsRoutes,
  ...doctorsRoutes,
  ...mappingsRoutes,
  ...recordsRoutes,
  ...visitsRoutes,
  ...queueRoutes,
  ...remindersRoutes,
  ...notificationsRoutes,
  ...schedulingRoutes,
  ...appointmentsRoutes,
  ...paymentsRoutes,
  ...reportsRoutes,
  ...prescriptionsRoutes,
  ...inventoryRoutes,
  ...reviewsRoutes,
  ...adminJobsRoutes,
  ...auditRoutes,
  ...metricsRoutes,
  ...consoleRoutes,
  ...messagingRoutes,
  ...videoRoutes,
  ...billingRoutes,
  ...analyticsRoutes,
];
