/** Every route of the API: the OpenAPI document, the CDK routes and the local router read this list. */
import { ACCOUNT_ROUTES } from './accounts.ts';
import { receiveAppleNotification } from './apple.ts';
import { ASSET_READ_ROUTES } from './assets.ts';
import { listAudit } from './audit.ts';
import { DEPLOYMENT_ROUTES } from './deployments.ts';
import { DEVICE_ROUTES } from './devices.ts';
import { INVITATION_ROUTES } from './invitations.ts';
import { getJob, listJobs } from './jobs.ts';
import { LICENSE_ROUTES } from './licenses.ts';
import { REDEMPTION_CODE_ROUTES } from './redemption-codes.ts';
import { getLicenseReport } from './reports.ts';
import type { RouteContract } from './route.ts';
import { getHealth, getOpenApi } from './system.ts';
import { USER_ROUTES } from './users.ts';
import { WEBHOOK_ROUTES } from './webhooks.ts';

export const ROUTES: readonly RouteContract[] = [
  getHealth,
  getOpenApi,
  ...ACCOUNT_ROUTES,
  ...ASSET_READ_ROUTES,
  ...LICENSE_ROUTES,
  ...DEVICE_ROUTES,
  ...DEPLOYMENT_ROUTES,
  ...USER_ROUTES,
  ...INVITATION_ROUTES,
  listJobs,
  getJob,
  listAudit,
  getLicenseReport,
  ...WEBHOOK_ROUTES,
  ...REDEMPTION_CODE_ROUTES,
  receiveAppleNotification,
];
