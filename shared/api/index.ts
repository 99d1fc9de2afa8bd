/** Every route of the API: the OpenAPI document, the CDK routes and the local router read this list. */
import { getJob } from './jobs.ts';
import type { RouteContract } from './route.ts';
import { getHealth, getOpenApi } from './system.ts';

export const ROUTES: readonly RouteContract[] = [getHealth, getOpenApi, getJob];
